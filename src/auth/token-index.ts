import { ApiTokenSchema, type ApiToken } from "../../gen/openchoreo/model/v1alpha1/api_token_pb.js";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Clock, Informer } from "../core/index.js";
import { hashApiToken } from "./api-token.js";

export interface TokenIndex {
  /**
   * The token this secret is (its SHA-256 looked up), if any (revoked and expired ones included): a
   * caller sends the same secret with every request, so a secret found once is remembered and not
   * hashed again until any token changes. Only secrets of stored tokens are remembered, so unknown
   * ones sent by anybody cannot grow it.
   */
  bySecret(secret: string): ApiToken | undefined;
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

/** The store's ApiTokens from the informer's cache, by secret, so authenticating reads no store. */
export function createTokenIndex(informers: { informerFor(schema: typeof ApiTokenSchema): Informer }, clock: Clock): TokenIndex {
  const informer = informers.informerFor(ApiTokenSchema);
  let byHash = new Map<string, ApiToken>();
  let bySecret = new Map<string, ApiToken>();
  let dirty = true;
  const waiters = new Set<() => void>();
  const unsubscribe = informer.addEventHandler(() => {
    dirty = true;
    for (const wake of [...waiters]) wake();
  });
  const all = () => informer.cache.list() as ApiToken[];
  // Both maps are rebuilt from the cache after any change (a revocation included), before the next lookup.
  const current = () => {
    if (!dirty) return;
    byHash = new Map(all().map((t) => [t.spec?.tokenSha256 ?? "", t]));
    bySecret = new Map();
    dirty = false;
  };
  return {
    bySecret(secret) {
      current();
      let token = bySecret.get(secret);
      if (token) return token;
      token = byHash.get(hashApiToken(secret));
      if (token) bySecret.set(secret, token);
      return token;
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
