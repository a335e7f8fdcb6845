import { createContextKey } from "@connectrpc/connect";

/** The caller's address as the socket says (`ctx.values.get(peerAddressKey)`), for the audit log; "" when unknown. */
export const peerAddressKey = createContextKey<string>("", { description: "peer address" });
