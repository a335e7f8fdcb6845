import { randomUUID } from "node:crypto";
import { createContextKey } from "@connectrpc/connect";

/** Header a client may send to tag its call; the server echoes it (or the id it made up) back. */
export const requestIdHeader = "x-request-id";

/** The request id of the call, for interceptors and handlers (`ctx.values.get(requestIdKey)`). */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

// A client-chosen id ends up in every log line of the call: accept only short, plain tokens so it
// cannot forge log fields or bloat them.
const acceptable = /^[A-Za-z0-9._:@\-]{1,128}$/;

/** The id the client sent when it is acceptable, else a fresh UUID. */
export function resolveRequestId(sent: string | readonly string[] | undefined): string {
  const value = Array.isArray(sent) ? sent[0] : sent;
  return typeof value === "string" && acceptable.test(value) ? value : randomUUID();
}
