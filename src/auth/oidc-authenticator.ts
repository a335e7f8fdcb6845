import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from "jose";
import { UnauthenticatedError } from "../errors/index.js";
import type { Authenticator } from "./authenticator.js";
import { createOidcFetch, type OidcFetch } from "./oidc-fetch.js";
import type { Principal } from "./principal.js";

/** How the control plane trusts one OpenID Connect issuer (CHOREO_OIDC_* in the README). */
export interface OidcSettings {
  /** The issuer URL exactly as its tokens' `iss` claim says it. */
  readonly issuer: string;
  /** Accepted `aud` values: the client id(s) tokens are issued to. */
  readonly audiences: readonly string[];
  /** `sub`: the subject is `oidc:<sub>`; `email`: the (verified) email address. */
  readonly subjectClaim: "sub" | "email";
  /** The claim holding the user's groups (a list of names, or one name). */
  readonly groupsClaim: string;
  /** How far the clocks of issuer and control plane may disagree on exp, nbf and iat. */
  readonly clockSkewSeconds: number;
  /** PEM CA certificate(s) the issuer's HTTPS certificate is checked against (a private issuer). */
  readonly ca?: Buffer | undefined;
}

export interface OidcAuthenticatorOptions {
  /** Milliseconds since the epoch; tokens are judged at this time. */
  readonly now?: () => number;
  /**
   * The least time between two JWKS fetches caused by a token whose key is not in the cached set
   * (a new key after a rotation). Default 30 s, so a flood of tokens with made-up key ids cannot
   * make the server hammer its issuer.
   */
  readonly jwksCooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again. Default 10 minutes. */
  readonly jwksMaxAgeMs?: number;
  readonly fetch?: OidcFetch;
}

/**
 * Signatures only from asymmetric keys the issuer publishes: never `none`, never an HMAC, whose
 * "key" a client could pick if the server treated a public key as a shared secret.
 */
export const asymmetricAlgorithms: readonly string[] = [
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
];

// Subjects land in objects, events, logs and the audit log.
const maxSubjectLength = 256;
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * Accepts the ID tokens an OpenID Connect issuer signs: the issuer's keys come from its discovery
 * document's jwks_uri (fetched on first use, cached, fetched again when a token names a key the
 * cache lacks: key rotation); signature, iss, aud, exp and nbf are checked with a small clock skew.
 * A bearer that is not a JWT is not its business (undefined); a JWT it cannot accept is
 * UnauthenticatedError.
 */
export function createOidcAuthenticator(settings: OidcSettings, options: OidcAuthenticatorOptions = {}): Authenticator {
  const fetchImpl = options.fetch ?? createOidcFetch(settings.ca);
  const now = options.now ?? Date.now;
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  const discover = async () => {
    const url = `${settings.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const response = await fetchImpl(url, { headers: new Headers({ accept: "application/json" }), signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was fetched for.
    if (document.issuer !== settings.issuer) {
      throw new Error(`${url} names issuer ${JSON.stringify(document.issuer)}, not ${JSON.stringify(settings.issuer)}`);
    }
    if (typeof document.jwks_uri !== "string") throw new Error(`${url} has no jwks_uri`);
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
      [customFetch]: fetchImpl,
    });
  };

  // Discovered once; a failure is forgotten, so the next request tries again (the issuer may have
  // been down when the server started).
  const keySet = () => {
    keys ??= discover().catch((err: unknown) => {
      keys = undefined;
      throw err;
    });
    return keys;
  };

  return {
    async authenticate(bearer) {
      if (!looksLikeJwt(bearer)) return undefined;
      // Said first, as the signature check would only say that the key is unknown.
      if (unverifiedIssuer(bearer) !== settings.issuer) throw new UnauthenticatedError("the OIDC token is not accepted: it is from another issuer");
      let payload: JWTPayload;
      try {
        payload = (
          await jwtVerify(bearer, await keySet(), {
            issuer: settings.issuer,
            audience: [...settings.audiences],
            algorithms: [...asymmetricAlgorithms],
            clockTolerance: settings.clockSkewSeconds,
            currentDate: new Date(now()),
            requiredClaims: ["exp", "sub"],
          })
        ).payload;
      } catch (err) {
        throw new UnauthenticatedError(`the OIDC token is not accepted: ${reasonOf(err)}`);
      }
      return { subject: subjectOf(payload, settings.subjectClaim), groups: groupsOf(payload, settings.groupsClaim), via: "oidc" } satisfies Principal;
    },
  };
}

/** Three base64url parts, the first a JOSE header: the shape of a JWS compact serialization. */
function looksLikeJwt(bearer: string): boolean {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(bearer)) return false;
  try {
    return typeof decodeProtectedHeader(bearer).alg === "string";
  } catch {
    return false;
  }
}

function unverifiedIssuer(bearer: string): unknown {
  try {
    return decodeJwt(bearer).iss;
  } catch {
    return undefined;
  }
}

function subjectOf(payload: JWTPayload, claim: OidcSettings["subjectClaim"]): string {
  let subject: string;
  if (claim === "email") {
    const email = payload.email;
    if (typeof email !== "string" || !email.includes("@")) throw new UnauthenticatedError("the OIDC token has no email claim, which this server takes as the subject");
    // As the Kubernetes API server does: an address the issuer says it has not verified is no identity.
    if (payload.email_verified !== undefined && payload.email_verified !== true) {
      throw new UnauthenticatedError("the OIDC token's email is not verified (email_verified is not true)");
    }
    subject = email;
  } else {
    // jose checks that sub is present, not that it is a string: ["alice"] would read as oidc:alice.
    if (typeof payload.sub !== "string" || payload.sub === "") throw new UnauthenticatedError("the OIDC token's sub is not a non-empty string");
    subject = `oidc:${payload.sub}`;
  }
  if (subject.length > maxSubjectLength || controlCharacters.test(subject)) {
    throw new UnauthenticatedError(`the OIDC token's ${claim} is not a usable subject (at most ${maxSubjectLength} printable characters)`);
  }
  return subject;
}

function groupsOf(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  const names = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  return names.filter((g): g is string => typeof g === "string" && g.length > 0 && g.length <= maxSubjectLength && !controlCharacters.test(g));
}

/** What went wrong, in words a user can act on; the token's holder knows its claims anyway. */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "it has expired (sign in again: choreoctl login)";
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === "iss") return "it is from another issuer";
    if (err.claim === "aud") return "it is not issued for this server (audience)";
    if (err.claim === "nbf") return "it is not valid yet";
    return `claim ${err.claim} ${err.reason === "missing" ? "is missing" : "is invalid"}`;
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "its signature algorithm is not accepted (only asymmetric keys are)";
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "its signature does not verify";
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "it is signed with a key the issuer does not publish";
  if (err instanceof joseErrors.JOSEError) return err.code === "ERR_JWT_INVALID" || err.code === "ERR_JWS_INVALID" ? "it is malformed" : err.message;
  return `the issuer's keys could not be fetched (${err instanceof Error ? err.message : String(err)})`;
}
