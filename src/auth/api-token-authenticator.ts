import { UnauthenticatedError } from "../errors/index.js";
import type { Authenticator } from "./authenticator.js";
import { apiTokenPrefix, tokenSubject } from "./api-token.js";
import type { TokenIndex } from "./token-index.js";

/** The one answer for a bad credential: it never says whether the token exists. */
export const invalidCredential = "the credential is not valid (unknown, revoked, expired or malformed)";

/** API tokens (`choreo_...`): looked up by SHA-256, refused when revoked or expired (checked on every call). */
export function createApiTokenAuthenticator(tokens: TokenIndex): Authenticator {
  return {
    async authenticate(bearer) {
      if (!bearer.startsWith(apiTokenPrefix)) return undefined;
      const token = tokens.bySecret(bearer);
      if (!token || !tokens.valid(token)) throw new UnauthenticatedError(invalidCredential);
      return { subject: tokenSubject(token.metadata?.name ?? ""), groups: [], via: "token" };
    },
  };
}
