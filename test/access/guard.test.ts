// The guard on the real server (SQLite control plane, every service routed): every method of every
// service refuses a caller without a credential over every protocol; tokens, roles and organizations
// decide the rest; lists and watches never show another organization; revoking a token ends its watch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { BuildService } from "../../gen/openchoreo/api/v1alpha1/build_service_pb.js";
import { IdentityService } from "../../gen/openchoreo/api/v1alpha1/identity_service_pb.js";
import { OrganizationService } from "../../gen/openchoreo/api/v1alpha1/organization_service_pb.js";
import { ProjectService } from "../../gen/openchoreo/api/v1alpha1/project_service_pb.js";
import { PromotionService } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { TokenService } from "../../gen/openchoreo/api/v1alpha1/token_service_pb.js";
import { publicProcedures } from "../../src/auth/index.js";
import { startControlPlane, type ControlPlane } from "../../src/main/control-plane.js";
import { startServer, type RunningServer } from "../../src/main/index.js";
import { codeOf } from "../support/code-of.js";
import { adminTokenOf, bearer } from "../support/test-tokens.js";

let dataDir: string;
let plane: ControlPlane;
let server: RunningServer;
let admin: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "choreo-guard-"));
  const logger = pino({ level: "silent" });
  const metrics = new Registry();
  plane = await startControlPlane({ dataDir }, { logger, metrics });
  server = await startServer({ host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 * 1024 * 1024, shutdownGraceMs: 500, corsOrigins: [] }, { logger, metrics, resources: plane });
  admin = adminTokenOf(dataDir);
  const resources = clientOf(ResourceService, admin);
  await resources.apply({ manifests: ["acme", "globex"].map((org) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Organization\nmetadata: {name: ${org}}\n`).join("---\n") });
  await resources.apply({ manifests: ["acme", "globex"].map((org) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: shop, namespace: ${org}}\nspec: {deploymentPipelineRef: default-pipeline}\n`).join("---\n") });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await plane?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const transports: Record<string, (interceptors: Interceptor[]) => Transport> = {
  "gRPC (HTTP/2)": (interceptors) => createGrpcTransport({ baseUrl: server.url, interceptors }),
  "gRPC-Web (HTTP/1.1)": (interceptors) => createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors }),
  "gRPC-Web (HTTP/2)": (interceptors) => createGrpcWebTransport({ baseUrl: server.url, httpVersion: "2", interceptors }),
  "Connect (HTTP/1.1)": (interceptors) => createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors }),
  "Connect (HTTP/2)": (interceptors) => createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors }),
};

function clientOf<S extends DescService>(service: S, token: string | undefined, transport = "gRPC (HTTP/2)"): Client<S> {
  return createClient(service, transports[transport]!(token === undefined ? [] : [bearer(token)]));
}

/** Calls any method with an empty request, whatever its kind; resolves to the error it ends with, if any. */
async function callAny(service: DescService, methodName: string, transport: string, headers: Interceptor[]): Promise<ConnectError | undefined> {
  const client = createClient(service, transports[transport]!(headers)) as unknown as Record<string, (input: unknown) => unknown>;
  const method = service.methods.find((m) => m.name === methodName)!;
  try {
    if (method.methodKind === "unary") await client[method.localName]!({});
    else if (method.methodKind === "server_streaming") for await (const _ of client[method.localName]!({}) as AsyncIterable<unknown>) break;
    else for await (const _ of client[method.localName]!((async function* () {})()) as AsyncIterable<unknown>) break;
    return undefined;
  } catch (err) {
    return ConnectError.from(err);
  }
}

const guarded = allFiles
  .flatMap((f) => f.services)
  .flatMap((service) => service.methods.map((method) => ({ service, method })))
  .filter(({ service, method }) => !service.typeName.startsWith("grpc.") && !publicProcedures.has(`${service.typeName}/${method.name}`));

describe("without a valid credential", () => {
  for (const transport of Object.keys(transports)) {
    it(`every method refuses with unauthenticated over ${transport}`, async () => {
      // Bidirectional streams need HTTP/2 (HTTP/1.1 gets 505 before any handler).
      const methods = guarded.filter(({ method }) => !(method.methodKind === "bidi_streaming" && transport.includes("HTTP/1.1")));
      const answers = await Promise.all(
        methods.map(async ({ service, method }) => {
          const err = await callAny(service, method.name, transport, []);
          return `${service.typeName}/${method.name}: ${err ? Code[err.code] : "OK"}`;
        }),
      );
      expect(answers.filter((a) => !a.endsWith(": Unauthenticated"))).toEqual([]);
      expect(methods.length).toBeGreaterThan(60);
    });
  }

  it("says the same for an unknown, a malformed and a revoked token: nothing tells whether a token exists", async () => {
    const created = await clientOf(TokenService, admin).createToken({ name: "short-lived", organization: "acme", role: "viewer" });
    await clientOf(TokenService, admin).revokeToken({ name: "short-lived" });
    const messages = new Set<string>();
    for (const header of [`Bearer ${created.token}`, "Bearer choreo_unknown", "Bearer not-a-token", "Basic YWRtaW46YWRtaW4="]) {
      const err = await callAny(IdentityService, "WhoAmI", "Connect (HTTP/1.1)", [(next) => (req) => (req.header.set("authorization", header), next(req))]);
      expect(err?.code, header).toBe(Code.Unauthenticated);
      messages.add(err!.rawMessage);
    }
    expect([...messages]).toEqual(["the credential is not valid (unknown, revoked, expired or malformed)"]);
  });

  it("health, reflection and GET /metrics answer (open by default); with CHOREO_OPEN_ENDPOINTS=none they need a token too", async () => {
    const health = (url: string, token?: string) =>
      fetch(`${url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: "{}" });
    const reflection = (url: string) => fetch(`${url}/grpc.reflection.v1.ServerReflection/ServerReflectionInfo`, { method: "POST", headers: { "content-type": "application/connect+json" }, body: new Uint8Array(5) });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    expect((await health(server.url)).status).toBe(200);
    // HTTP/1.1 cannot carry this bidi stream (505), but the guard let it through to the transport.
    expect((await reflection(server.url)).status).not.toBe(401);
    const closed = await startServer(
      { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 1024 * 1024, shutdownGraceMs: 200, corsOrigins: [], openEndpoints: [] },
      { logger: pino({ level: "silent" }), metrics: new Registry(), resources: plane },
    );
    try {
      const metrics = await fetch(`${closed.url}/metrics`);
      expect(metrics.status).toBe(401);
      expect(await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } }).then((r) => r.status)).toBe(200);
      expect((await health(closed.url)).status).toBe(401);
      expect((await health(closed.url, admin)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});

describe("roles and organizations", () => {
  let viewer: string;
  let developer: string;
  beforeAll(async () => {
    const tokens = clientOf(TokenService, admin);
    viewer = (await tokens.createToken({ name: "acme-viewer", organization: "acme", role: "viewer" })).token;
    developer = (await tokens.createToken({ name: "acme-dev", organization: "acme", role: "developer" })).token;
  });

  it("whoami names the subject and its roles", async () => {
    const me = await clientOf(IdentityService, viewer).whoAmI({});
    expect(me).toMatchObject({ subject: "token:acme-viewer", via: "token", roles: [{ organization: "acme", role: "viewer", grantedBy: "AuthzRoleBinding acme/token-acme-viewer" }] });
  });

  it("lists only the caller's organizations: all namespaces, cluster-scoped kinds, typed lists", async () => {
    const all = await clientOf(ResourceService, viewer).list({ kind: "Project", allNamespaces: true });
    const namespaces = new Set(all.items.map((i) => (i as unknown as { metadata: { namespace: string } }).metadata.namespace));
    expect([...namespaces]).toEqual(["acme"]);
    const orgs = await clientOf(OrganizationService, viewer).listOrganizations({});
    expect(orgs.organizations.map((o) => o.metadata?.name)).toEqual(["acme"]);
    const adminSees = await clientOf(ResourceService, admin).list({ kind: "Project", allNamespaces: true });
    expect(new Set(adminSees.items.map((i) => (i as unknown as { metadata: { namespace: string } }).metadata.namespace))).toEqual(new Set(["acme", "globex", "default"]));
  });

  it("refuses Get, List, events, build logs and history of another organization, naming the permission", async () => {
    expect(await codeOf(clientOf(ResourceService, viewer).get({ kind: "Project", namespace: "globex", name: "shop" }))).toEqual({
      code: Code.PermissionDenied,
      message: 'token:acme-viewer lacks permission projects:read in organization "globex"',
    });
    expect((await codeOf(clientOf(ProjectService, viewer).listProjects({ namespace: "globex" }))).code).toBe(Code.PermissionDenied);
    expect((await codeOf(clientOf(ResourceService, viewer).listEvents({ kind: "Project", namespace: "globex", name: "shop" }))).code).toBe(Code.PermissionDenied);
    const logs = await callAny(BuildService, "StreamBuildLogs", "gRPC (HTTP/2)", [bearer(viewer)]);
    expect(logs?.code).toBe(Code.PermissionDenied);
    expect((await codeOf(clientOf(PromotionService, viewer).listHistory({ namespace: "globex", componentName: "x" }))).message).toMatch(/promotions:read in organization "globex"/);
    expect((await clientOf(ResourceService, viewer).get({ kind: "Project", namespace: "acme", name: "shop" })).object).toBeDefined();
    expect(await codeOf(clientOf(ResourceService, viewer).apply({ manifests: "apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: x, namespace: acme}\n" }))).toEqual({
      code: Code.PermissionDenied,
      message: 'token:acme-viewer lacks permission projects:write in organization "acme"',
    });
  });

  it("records the authenticated subject, not what the request says", async () => {
    const manifest = `apiVersion: openchoreo.dev/v1alpha1
kind: Promotion
metadata: {name: forged, namespace: acme}
spec:
  owner: {projectName: shop, componentName: web}
  targetEnvironment: production
  requestedBy: mallory
  approvals: [{principal: token:admin, decision: Approved}]
`;
    const { results } = await clientOf(ResourceService, developer).apply({ manifests: manifest, dryRun: true, returnObjects: true });
    const spec = (results[0]!.object as unknown as { spec: Record<string, unknown> }).spec;
    expect(spec.requestedBy).toBe("token:acme-dev");
    expect(spec.approvals).toBeUndefined();
  });

  it("streams a watch across namespaces without another organization's objects, and ends it when the token is revoked", async () => {
    const watcher = (await clientOf(TokenService, admin).createToken({ name: "acme-watcher", organization: "acme", role: "viewer" })).token;
    const seen: string[] = [];
    const abort = new AbortController();
    const ended = (async () => {
      for await (const event of clientOf(ResourceService, watcher).watch({ kind: "Project", allNamespaces: true }, { signal: abort.signal })) {
        const meta = (event.object as unknown as { metadata?: { namespace: string; name: string } } | undefined)?.metadata;
        if (meta) seen.push(`${meta.namespace}/${meta.name}`);
      }
    })().then(
      () => undefined,
      (err: unknown) => ConnectError.from(err),
    );
    const resources = clientOf(ResourceService, admin);
    // globex's first: were it let through, it would arrive before acme's.
    await resources.apply({ manifests: "apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: later, namespace: globex}\nspec: {deploymentPipelineRef: default-pipeline}\n" });
    await resources.apply({ manifests: "apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: later, namespace: acme}\nspec: {deploymentPipelineRef: default-pipeline}\n" });
    await expect.poll(() => seen.includes("acme/later"), { timeout: 10_000 }).toBe(true);
    expect(seen.filter((s) => !s.startsWith("acme/"))).toEqual([]);

    await clientOf(TokenService, admin).revokeToken({ name: "acme-watcher" });
    const err = await Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve("still open"), 10_000))]);
    abort.abort();
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
    expect((await codeOf(clientOf(IdentityService, watcher).whoAmI({}))).code).toBe(Code.Unauthenticated);
  });
});
