import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Interceptor } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { createAccessControl, issueApiToken, tokenSubject, type AccessControl, type ObjectWriter } from "../../src/auth/index.js";
import { createSystemClock, type Manager } from "../../src/core/index.js";
import type { Codec, KindRegistry } from "../../src/model/index.js";

/** Organization → role → names; each name gets an API token whose subject is `token:<name>`. */
export type TestRoles = Readonly<Record<string, Readonly<Partial<Record<"admin" | "developer" | "approver" | "viewer", readonly string[]>>>>>;

/**
 * API tokens for a test: `admin` (platform-admin) and one per name in `roles`, with the grants the
 * roles give, written through the API's write path; resolves once the guard's caches hold them all.
 */
export async function issueTestTokens(writer: ObjectWriter, registry: KindRegistry, control: AccessControl, roles: TestRoles = {}): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  const issue = async (name: string, role?: string) => {
    tokens[name] = (await issueApiToken(writer, registry, { name, organization: undefined, role, expiresAtMs: undefined, createdBy: "test" })).token;
  };
  await issue("admin", "platform-admin");
  const names = new Set(Object.values(roles).flatMap((byRole) => Object.values(byRole).flat()));
  for (const name of names) await issue(name);
  const bindingKind = registry.resolve("AuthzRoleBinding")!;
  for (const [organization, byRole] of Object.entries(roles)) {
    for (const [role, members] of Object.entries(byRole)) {
      await writer.create(bindingKind, {
        apiVersion: "openchoreo.dev/v1alpha1",
        kind: "AuthzRoleBinding",
        metadata: { name: `test-${role}`, namespace: organization },
        spec: { role, subjects: (members ?? []).map(tokenSubject) },
      });
    }
  }
  // The guard reads informer caches: wait until every token and grant is there.
  const expected = Object.values(roles).reduce((n, byRole) => n + Object.keys(byRole).length, 0) + 1;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const tokensCached = Object.keys(tokens).every((name) => control.tokens.byName(name) !== undefined);
    const grants = new Set([...Object.keys(tokens)].flatMap((name) => control.grants.grantsOf({ subject: tokenSubject(name), groups: [] }).map((g) => g.grantedBy)));
    if (tokensCached && grants.size >= expected) return tokens;
    if (Date.now() > deadline) throw new Error("the test tokens did not reach the guard's caches");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A Connect interceptor sending a bearer token (none when undefined). */
export function bearer(token: string | undefined): Interceptor {
  return (next) => (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/**
 * Access control over a running manager's caches, with the test tokens issued: what a test server
 * needs to serve callers with tokens (`resources: { ..., accessControl }`).
 */
export async function testAccessControl(deps: { manager: Pick<Manager, "informerFor">; access: ObjectWriter; codec: Codec }, roles: TestRoles = {}): Promise<{ accessControl: AccessControl; tokens: Record<string, string> }> {
  const accessControl = createAccessControl({ informers: deps.manager, clock: createSystemClock(), defaultTokenTtlMs: 3_600_000 });
  if (!(await accessControl.ready())) throw new Error("the token and grant caches did not sync");
  return { accessControl, tokens: await issueTestTokens(deps.access, deps.codec.registry, accessControl, roles) };
}

/**
 * A @grpc/grpc-js client interceptor sending a bearer token on every call (call credentials need TLS
 * in grpc-js; the cleartext test servers get the header this way, as a README example shows).
 */
export function grpcJsBearer(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/** The platform admin's token the first start of a server wrote into its data directory. */
export const adminTokenOf = (dataDir: string): string => readFileSync(join(dataDir, "admin.token"), "utf8").trim();
