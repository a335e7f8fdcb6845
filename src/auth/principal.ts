import { createContextKey } from "@connectrpc/connect";

/** Who makes a request, as the guard authenticated it. */
export interface Principal {
  /** `token:NAME` (an API token), `oidc:SUB` (a sign-in) or `plane:KIND/NAMESPACE/NAME` (a plane agent). */
  readonly subject: string;
  /** Groups from the identity provider; grants may name them. */
  readonly groups: readonly string[];
  readonly via: "token" | "oidc" | "plane";
}

/**
 * The principal of the call, for handlers (`ctx.values.get(principalKey)`). Undefined only on the open
 * services (health, reflection), which the guard lets through without a credential.
 */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "authenticated principal" });
