import { ApiTokenSchema, type ApiToken } from "../../gen/openchoreo/model/v1alpha1/api_token_pb.js";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Clock, Informer } from "../core/index.js";

export interface TokenIndex {
  /** The token with this hash, if any (revoked and expired ones included). */
  byHash(sha256: string): ApiToken | undefined;
  byName(name: string): ApiToken | undefined;
  list(): readonly ApiToken[];
  /** Whether a token is usable now: not revoked, not expired. */
  valid(token: ApiToken): boolean;
  /** Resolves once the tokens are cached. */
  ready(): Promise<boolean>;
  /** Resolves when the cache holds the token at least at this resourceVersion, or the timeout passes. */
  caughtUp(name: string, resourceVersion: string, timeoutMs: number): Promise<boolean>;
  close(): void;
}

/** The store's ApiTokens from the informer's cache, by hash, so authenticating reads no store. */
export function createTokenIndex(informers: { informerFor(schema: typeof ApiTokenSchema): Informer }, clock: Clock): TokenIndex {
  const informer = informers.informerFor(ApiTokenSchema);
  let byHash = new Map<string, ApiToken>();
  let dirty = true;
  const waiters = new Set<() => void>();
  const unsubscribe = informer.addEventHandler(() => {
    dirty = true;
    for (const wake of [...waiters]) wake();
  });
  const all = () => informer.cache.list() as ApiToken[];
  return {
    byHash(sha256) {
      if (dirty) {
        byHash = new Map(all().map((t) => [t.spec?.tokenSha256 ?? "", t]));
        dirty = false;
      }
      return byHash.get(sha256);
    },
    byName: (name) => informer.cache.get("", name) as ApiToken | undefined,
    list: all,
    valid(token) {
      if (token.spec?.revoked) return false;
      const expires = token.spec?.expiresAt;
      return !expires || timestampMs(expires) > clock.now();
    },
    async ready() {
      informer.start();
      return informer.waitForSync();
    },
    caughtUp(name, resourceVersion, timeoutMs) {
      const seen = () => (informer.cache.get("", name) as ApiToken | undefined)?.metadata?.resourceVersion === resourceVersion;
      if (seen()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (result: boolean) => {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(result);
        };
        const check = () => {
          if (seen()) done(true);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        waiters.add(check);
      });
    },
    close() {
      unsubscribe();
    },
  };
}
