import { createHash, randomBytes } from "node:crypto";

/** A new agent credential: 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What the store keeps of a token: its hex sha256. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
