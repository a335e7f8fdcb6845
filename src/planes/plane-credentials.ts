import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PlaneCredentialSchema, PlaneCredentialSpecSchema, type PlaneCredential } from "../../gen/openchoreo/model/v1alpha1/plane_credential_pb.js";
import type { Clock } from "../core/index.js";
import { boundedName } from "../controllers/bounded-name.js";
import { AlreadyExistsError, FailedPreconditionError, InvalidSpecError, isAlreadyExistsError, isConflictError, isNotFoundError, NotFoundError } from "../errors/index.js";
import { labels } from "../model/index.js";
import type { ResourceObject, ResourceStore } from "../store/index.js";
import { UnauthenticatedError } from "./plane-errors.js";
import { planeSchema, type PlaneKind, type PlaneRef } from "./plane-ref.js";
import { generateToken, hashToken } from "./plane-token.js";

/** The plane a credential opens, and which of its hashes matched. */
export interface AuthenticatedPlane {
  readonly plane: PlaneRef;
  readonly credentialName: string;
  readonly tokenSha256: string;
}

export interface PlaneCredentials {
  /**
   * Issues a new token; NotFoundError when the plane does not exist, AlreadyExistsError when it has a
   * credential (not revoked) and `replace` is not set. A replaced token stays valid for the grace
   * period (as with rotate), so a connected agent is not cut off by a registration.
   */
  register(plane: PlaneRef, options?: RegisterOptions): Promise<{ token: string; credentialName: string; replaced: boolean }>;
  /** Issues a new token; the previous one stays valid for the grace period. */
  rotate(plane: PlaneRef, gracePeriodSeconds: number): Promise<{ token: string; previousExpiresAtMs: number }>;
  revoke(plane: PlaneRef): Promise<void>;
  /** The plane a bearer token opens; UnauthenticatedError otherwise. */
  authenticate(token: string | undefined): Promise<AuthenticatedPlane>;
}

export interface RegisterOptions {
  readonly replace?: boolean;
  /** How long a replaced token stays valid; 0 or absent: defaultGracePeriodSeconds. */
  readonly gracePeriodSeconds?: number;
}

export interface PlaneCredentialsDeps {
  readonly store: ResourceStore;
  readonly clock: Clock;
  /** Credentials as last seen (an informer's cache); the store is asked when a token is not found there. */
  readonly cached?: () => readonly PlaneCredential[];
}

/** The rotation grace period when the caller gives none. */
export const defaultGracePeriodSeconds = 300;

/** The PlaneCredential object of a plane: one per plane, in the plane's namespace. */
export function credentialName(plane: Pick<PlaneRef, "kind" | "name">): string {
  const name = `${plane.kind.toLowerCase()}-${plane.name}-agent`;
  return name.length <= 63 ? name : boundedName([plane.kind.toLowerCase(), plane.name], hashToken(plane.name).slice(0, 8));
}

/** Whether a credential still accepts a token with this hash at this time. */
export function credentialAccepts(credential: PlaneCredential, tokenSha256: string, nowMs: number): boolean {
  const spec = credential.spec;
  if (!spec || spec.revoked || credential.metadata?.deletionTimestamp) return false;
  if (spec.tokenSha256 === tokenSha256) return true;
  return spec.previousTokenSha256 === tokenSha256 && spec.previousExpiresAt !== undefined && timestampDate(spec.previousExpiresAt).getTime() > nowMs;
}

/** The grace period a request asked for, in seconds (0: the default); InvalidSpecError when negative or fractional. */
function checkGracePeriod(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0) throw new InvalidSpecError([{ path: "grace_period_seconds", message: "must be 0 (the default, 5 minutes) or more" }]);
  return seconds || defaultGracePeriodSeconds;
}

function matches(credential: PlaneCredential, tokenSha256: string): boolean {
  return credential.spec?.tokenSha256 === tokenSha256 || credential.spec?.previousTokenSha256 === tokenSha256;
}

export function createPlaneCredentials(deps: PlaneCredentialsDeps): PlaneCredentials {
  const { store, clock } = deps;

  const requirePlane = async (plane: PlaneRef): Promise<ResourceObject> => {
    try {
      return (await store.get(planeSchema(plane.kind), plane)) as ResourceObject;
    } catch (err) {
      if (isNotFoundError(err)) throw new NotFoundError(`${plane.kind} ${plane.namespace}/${plane.name} not found`);
      throw err;
    }
  };

  const getCredential = async (plane: PlaneRef): Promise<PlaneCredential> => {
    try {
      return await store.get(PlaneCredentialSchema, { namespace: plane.namespace, name: credentialName(plane) });
    } catch (err) {
      if (isNotFoundError(err)) throw new NotFoundError(`${plane.kind} ${plane.namespace}/${plane.name} has no credential: register it first`);
      throw err;
    }
  };

  /** Changes a credential's spec with retry on Conflict. */
  const updateSpec = async (plane: PlaneRef, change: (credential: PlaneCredential) => void): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const credential = await getCredential(plane);
      change(credential);
      try {
        await store.update(PlaneCredentialSchema, credential);
        return;
      } catch (err) {
        if (!isConflictError(err) || attempt >= 5) throw err;
      }
    }
  };

  const findByHash = async (tokenSha256: string): Promise<PlaneCredential | undefined> => {
    const hit = deps.cached?.().find((c) => matches(c, tokenSha256));
    if (hit) return hit;
    // A credential registered a moment ago may not have reached the cache yet.
    let next = "";
    do {
      const page = await store.list(PlaneCredentialSchema, { limit: 500, continue: next || undefined });
      const found = page.items.find((c) => matches(c, tokenSha256));
      if (found) return found;
      next = page.continue;
    } while (next);
    return undefined;
  };

  return {
    async register(plane, options = {}) {
      const gracePeriodSeconds = checkGracePeriod(options.gracePeriodSeconds ?? 0);
      const owner = await requirePlane(plane);
      const token = generateToken();
      const name = credentialName(plane);
      const spec = { planeKind: plane.kind, planeName: plane.name, tokenSha256: hashToken(token), revoked: false };
      for (let attempt = 1; ; attempt++) {
        try {
          let replaced = false;
          await updateSpec(plane, (credential) => {
            const before = credential.spec;
            replaced = Boolean(before && !before.revoked && !credential.metadata?.deletionTimestamp);
            if (replaced && !options.replace) {
              throw new AlreadyExistsError(`${plane.kind} ${plane.namespace}/${plane.name} already has a credential (PlaneCredential ${name}): say replace to issue a new one, or rotate it`);
            }
            credential.spec = create(PlaneCredentialSpecSchema, {
              ...spec,
              // The replaced token keeps a connected agent's stream until the grace period ends.
              ...(replaced ? { previousTokenSha256: before!.tokenSha256, previousExpiresAt: timestampFromMs(clock.now() + gracePeriodSeconds * 1000) } : {}),
            });
          });
          return { token, credentialName: name, replaced };
        } catch (err) {
          if (!isNotFoundError(err)) throw err;
        }
        try {
          await store.create(
            PlaneCredentialSchema,
            create(PlaneCredentialSchema, {
              apiVersion: "openchoreo.dev/v1alpha1",
              kind: "PlaneCredential",
              metadata: {
                name,
                namespace: plane.namespace,
                labels: { [labels.planeKind]: plane.kind, [labels.planeName]: plane.name },
                // The credential goes with its plane.
                ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: plane.name, uid: owner.metadata?.uid ?? "" }],
              },
              spec,
            }),
          );
          return { token, credentialName: name, replaced: false };
        } catch (err) {
          // Two registrations raced: the next attempt finds the winner's credential and answers as a second register would.
          if (!isAlreadyExistsError(err) || attempt >= 3) throw err;
        }
      }
    },

    async rotate(plane, gracePeriodSeconds) {
      const grace = checkGracePeriod(gracePeriodSeconds);
      await requirePlane(plane);
      const token = generateToken();
      const previousExpiresAtMs = clock.now() + grace * 1000;
      await updateSpec(plane, (credential) => {
        const spec = credential.spec!;
        if (spec.revoked) throw new FailedPreconditionError(`the credential of ${plane.kind} ${plane.namespace}/${plane.name} is revoked: register the plane again`);
        spec.previousTokenSha256 = spec.tokenSha256;
        spec.previousExpiresAt = timestampFromMs(previousExpiresAtMs);
        spec.tokenSha256 = hashToken(token);
      });
      return { token, previousExpiresAtMs };
    },

    async revoke(plane) {
      await requirePlane(plane);
      await updateSpec(plane, (credential) => {
        credential.spec!.revoked = true;
      });
    },

    async authenticate(token) {
      if (!token) throw new UnauthenticatedError("a plane credential is required (authorization: Bearer <token>)");
      const tokenSha256 = hashToken(token);
      const credential = await findByHash(tokenSha256);
      if (!credential) throw new UnauthenticatedError("unknown plane credential");
      if (!credentialAccepts(credential, tokenSha256, clock.now())) {
        throw new UnauthenticatedError(credential.spec?.revoked ? "the plane credential is revoked" : "the plane credential has expired (rotated)");
      }
      const kind = credential.spec?.planeKind as PlaneKind;
      return {
        plane: { kind, namespace: credential.metadata?.namespace ?? "", name: credential.spec?.planeName ?? "" },
        credentialName: credential.metadata?.name ?? "",
        tokenSha256,
      };
    },
  };
}
