import { createHash, randomBytes } from "node:crypto";

/** Every API token starts with this, so an authenticator can tell it from a JWT or a plane credential. */
export const apiTokenPrefix = "choreo_";

/** A new API token: the prefix and 32 random bytes (256 bits), base64url. */
export function generateApiToken(): string {
  return apiTokenPrefix + randomBytes(32).toString("base64url");
}

/**
 * What the store keeps of a token: its hex SHA-256. The token is 256 random bits, so a slow hash
 * would add nothing against guessing and would cost every request.
 */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The subject of the principal a token authenticates as. */
export const tokenSubject = (name: string): string => `token:${name}`;
