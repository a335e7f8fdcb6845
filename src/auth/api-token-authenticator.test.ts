import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ApiTokenSchema, type ApiToken } from "../../gen/openchoreo/model/v1alpha1/api_token_pb.js";
import { createFakeClock, type Informer } from "../core/index.js";
import { isUnauthenticatedError } from "../errors/index.js";
import { createApiTokenAuthenticator } from "./api-token-authenticator.js";
import { generateApiToken, hashApiToken } from "./api-token.js";
import { createTokenIndex } from "./token-index.js";

/** The ApiToken informer as the token index sees it: a cache, and a handler told of every change. */
function tokenInformer() {
  const objects = new Map<string, ApiToken>();
  const handlers = new Set<() => void>();
  const informer = {
    cache: { get: (_ns: string, name: string) => objects.get(name), list: () => [...objects.values()], size: () => objects.size },
    addEventHandler(handler: () => void) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    start() {},
    waitForSync: async () => true,
  } as unknown as Informer;
  const changed = () => handlers.forEach((h) => h());
  return {
    informers: { informerFor: () => informer },
    put(name: string, spec: { secret: string; revoked?: boolean; expiresAtMs?: number }) {
      const { secret, revoked, expiresAtMs } = spec;
      objects.set(name, create(ApiTokenSchema, { metadata: { name }, spec: { tokenSha256: hashApiToken(secret), revoked, ...(expiresAtMs ? { expiresAt: timestampFromMs(expiresAtMs) } : {}) } }));
      changed();
    },
    remove(name: string) {
      objects.delete(name);
      changed();
    },
  };
}

const refused = (call: Promise<unknown>) => expect(call).rejects.toSatisfy(isUnauthenticatedError);

describe("API token authentication", () => {
  it("refuses a token on the first call after it is revoked or deleted, though the same secret was accepted just before", async () => {
    const store = tokenInformer();
    const authenticator = createApiTokenAuthenticator(createTokenIndex(store.informers, createFakeClock()));
    const secret = generateApiToken();
    store.put("ci", { secret });
    for (let i = 0; i < 3; i++) expect(await authenticator.authenticate(secret)).toEqual({ subject: "token:ci", groups: [], via: "token" });
    store.put("ci", { secret, revoked: true });
    await refused(authenticator.authenticate(secret));

    const other = generateApiToken();
    store.put("deploy", { secret: other });
    expect((await authenticator.authenticate(other))?.subject).toBe("token:deploy");
    store.remove("deploy");
    await refused(authenticator.authenticate(other));
  });

  it("refuses a token on the first call after it expires, with no change to the token", async () => {
    const store = tokenInformer();
    const clock = createFakeClock();
    const authenticator = createApiTokenAuthenticator(createTokenIndex(store.informers, clock));
    const secret = generateApiToken();
    store.put("short", { secret, expiresAtMs: clock.now() + 60_000 });
    expect((await authenticator.authenticate(secret))?.subject).toBe("token:short");
    clock.advance(59_999);
    expect((await authenticator.authenticate(secret))?.subject).toBe("token:short");
    clock.advance(1);
    await refused(authenticator.authenticate(secret));
  });

  it("accepts a secret once its token exists, though it was refused before (unknown secrets are not remembered)", async () => {
    const store = tokenInformer();
    const authenticator = createApiTokenAuthenticator(createTokenIndex(store.informers, createFakeClock()));
    const secret = generateApiToken();
    await refused(authenticator.authenticate(secret));
    store.put("late", { secret });
    expect((await authenticator.authenticate(secret))?.subject).toBe("token:late");
    expect(await authenticator.authenticate("eyJ.not.a.token")).toBeUndefined();
  });
});
