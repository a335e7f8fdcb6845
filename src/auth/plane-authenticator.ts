import { UnauthenticatedError } from "../errors/index.js";
import type { PlaneCredentials } from "../planes/index.js";
import type { Authenticator } from "./authenticator.js";
import { invalidCredential } from "./api-token-authenticator.js";

// What planes' generateToken issues: 32 random bytes, base64url.
const planeTokenPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * Plane agents' credentials (not API tokens). The principal may only open PlaneAgentService.Connect,
 * and the hub serves it the plane its credential names, never one a message names.
 */
export function createPlaneAuthenticator(credentials: Pick<PlaneCredentials, "authenticate">): Authenticator {
  return {
    async authenticate(bearer) {
      if (!planeTokenPattern.test(bearer)) return undefined;
      try {
        const { plane } = await credentials.authenticate(bearer);
        return { subject: `plane:${plane.kind}/${plane.namespace}/${plane.name}`, groups: [], via: "plane" };
      } catch (err) {
        if (err instanceof Error && err.name === "UnauthenticatedError") throw new UnauthenticatedError(invalidCredential);
        throw err;
      }
    },
  };
}
