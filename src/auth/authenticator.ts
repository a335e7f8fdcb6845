import type { Principal } from "./principal.js";

/**
 * Turns a bearer credential into a principal. undefined: not a credential of this kind, the guard
 * tries the next authenticator. A thrown UnauthenticatedError: of this kind, but unknown, revoked,
 * expired or malformed.
 */
export interface Authenticator {
  authenticate(bearer: string): Promise<Principal | undefined>;
}
