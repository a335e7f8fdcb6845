import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditResult, AuditService } from "../../gen/openchoreo/api/v1alpha1/audit_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { ProjectService } from "../../gen/openchoreo/api/v1alpha1/project_service_pb.js";
import { startControlPlane, type ControlPlane } from "../../src/main/control-plane.js";
import { startServer, type RunningServer } from "../../src/main/start-server.js";
import { eventually } from "../controllers/harness.js";
import { captureLogger } from "../support/capture-logger.js";
import { codeOf } from "../support/code-of.js";
import { issueApiToken, tokenSubject } from "../../src/auth/index.js";
import { bearer } from "../support/test-tokens.js";

const dir = mkdtempSync(join(tmpdir(), "audit-log-"));
let plane: ControlPlane;
let server: RunningServer;
let tokens: Record<string, string>;

beforeAll(async () => {
  const logger = pino({ level: "silent" });
  plane = await startControlPlane({ dataDir: join(dir, "data") }, { logger, metrics: new Registry() });
  server = await startServer(
    { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 << 20, shutdownGraceMs: 100, corsOrigins: [] },
    { logger, metrics: new Registry(), resources: plane },
  );
  // The first start wrote the platform admin's token; the others are issued as `token create` would.
  tokens = { admin: readFileSync(plane.adminTokenFile!, "utf8").trim() };
  for (const [name, role] of [["dev", "developer"], ["viewer", "viewer"], ["orgadmin", "admin"]] as const) {
    tokens[name] = (await issueApiToken(plane.access, plane.codec.registry, { name, organization: "default", role, expiresAtMs: undefined, createdBy: "test" })).token;
  }
  await eventually(
    async () => ["dev", "viewer", "orgadmin"].every((n) => plane.accessControl.grants.grantsOf({ subject: tokenSubject(n), groups: [] }).length > 0 && plane.accessControl.tokens.byName(n)),
    "the guard's caches",
  );
});

afterAll(async () => {
  await server?.close();
  await plane?.close();
  rmSync(dir, { recursive: true, force: true });
});

const clients = (token?: string) => {
  const transport = createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(token) as never] });
  return { resources: createClient(ResourceService, transport), audit: createClient(AuditService, transport), projects: createClient(ProjectService, transport) };
};

const projects = (...names: string[]) =>
  names.map((name) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: ${name}\nspec:\n  deploymentPipelineRef: default-pipeline\n`).join("---\n");

/** The records of one request, oldest first, as the admin reads them. */
async function recordsOf(requestId: string) {
  const page = await clients(tokens.admin).audit.listAuditRecords({ pageSize: 1000 });
  return page.records.filter((r) => r.requestId === requestId).reverse();
}

async function applyAs(token: string | undefined, manifests: string, requestId: string) {
  return clients(token).resources.apply({ manifests }, { headers: { "x-request-id": requestId } });
}

describe("the audit log", () => {
  it("records one entry per document of an Apply, with subject, method, object, source and request id; unchanged documents too", async () => {
    await applyAs(tokens.orgadmin, projects("shop", "blog"), "apply-1");
    const records = await recordsOf("apply-1");
    expect(records.map((r) => [r.subject, r.kind, r.namespace, r.name, r.code, r.detail])).toEqual([
      ["token:orgadmin", "Project", "default", "shop", "ok", "create"],
      ["token:orgadmin", "Project", "default", "blog", "ok", "create"],
    ]);
    expect(records[0]).toMatchObject({ method: "openchoreo.api.v1alpha1.ResourceService/Apply", sourceAddress: "127.0.0.1" });
    expect(Date.now() - Number(records[0]!.time!.seconds) * 1000).toBeLessThan(600_000);

    await applyAs(tokens.orgadmin, projects("shop", "wiki"), "apply-2");
    expect((await recordsOf("apply-2")).map((r) => [r.name, r.code, r.detail])).toEqual([
      ["wiki", "ok", "create"],
      ["shop", "ok", "unchanged"],
    ]);
  });

  it("records a denied mutation and a failed one, each per document, and an unauthenticated call", async () => {
    const denied = await codeOf(applyAs(tokens.viewer, projects("denied-a", "denied-b"), "denied-1"));
    expect(denied.code).toBe(Code.PermissionDenied);
    expect((await recordsOf("denied-1")).map((r) => [r.subject, r.name, r.code])).toEqual([
      ["token:viewer", "denied-a", "permission_denied"],
      ["token:viewer", "denied-b", "permission_denied"],
    ]);

    // A name shaped like an API token: the record names the object, its detail never quotes the credential shape.
    const invalid = await codeOf(applyAs(tokens.orgadmin, projects("choreo_abcdefghijklmnop"), "failed-1"));
    expect(invalid.code).toBe(Code.InvalidArgument);
    const failed = await recordsOf("failed-1");
    expect(failed.map((r) => [r.subject, r.kind, r.code])).toEqual([["token:orgadmin", "Project", "invalid_argument"]]);
    expect(failed[0]!.detail).toContain("metadata.name");
    expect(failed[0]!.detail).not.toContain("choreo_abcdefghijklmnop");

    expect((await codeOf(applyAs("choreo_not-a-real-token-at-all", projects("anon"), "anon-1"))).code).toBe(Code.Unauthenticated);
    expect((await recordsOf("anon-1")).map((r) => [r.subject, r.name, r.code])).toEqual([["", "anon", "unauthenticated"]]);
  });

  it("names the object of a typed service's call, from its request or its object", async () => {
    const project = { apiVersion: "openchoreo.dev/v1alpha1", kind: "Project", metadata: { name: "typed", namespace: "default" }, spec: { deploymentPipelineRef: "default-pipeline" } };
    await codeOf(clients(tokens.viewer).projects.createProject({ project }, { headers: { "x-request-id": "typed-1" } }));
    await clients(tokens.orgadmin).projects.createProject({ project }, { headers: { "x-request-id": "typed-2" } });
    await clients(tokens.orgadmin).projects.deleteProject({ namespace: "default", name: "typed" }, { headers: { "x-request-id": "typed-3" } });
    const summary = async (id: string) => (await recordsOf(id)).map((r) => [r.method.split("/")[1], r.subject, r.kind, r.namespace, r.name, r.code, r.detail]);
    expect(await summary("typed-1")).toEqual([["CreateProject", "token:viewer", "Project", "default", "typed", "permission_denied", expect.stringContaining("projects:write")]]);
    expect(await summary("typed-2")).toEqual([["CreateProject", "token:orgadmin", "Project", "default", "typed", "ok", "create"]]);
    expect(await summary("typed-3")).toEqual([["DeleteProject", "token:orgadmin", "Project", "default", "typed", "ok", "delete"]]);
  });

  it("names the object of a refused watch, whose request the guard read from the stream", async () => {
    const watch = clients(tokens.dev).resources.watch({ kind: "AuthzRoleBinding", namespace: "default" }, { headers: { "x-request-id": "watch-1" } });
    expect((await codeOf((async () => {
      for await (const _event of watch) break;
    })())).code).toBe(Code.PermissionDenied);
    expect((await recordsOf("watch-1")).map((r) => [r.subject, r.kind, r.namespace, r.code])).toEqual([["token:dev", "AuthzRoleBinding", "default", "permission_denied"]]);
  });

  it("does not record reads that were allowed, nor the controllers' own writes", async () => {
    await clients(tokens.dev).resources.list({ kind: "Project", namespace: "default" }, { headers: { "x-request-id": "read-1" } });
    expect(await recordsOf("read-1")).toEqual([]);
    // The Organization controller and the bootstrap write many objects; none of them is in the log.
    const all = await clients(tokens.admin).audit.listAuditRecords({ pageSize: 1000, result: AuditResult.OK });
    expect(all.records.length).toBeGreaterThan(0);
    expect(all.records.filter((r) => r.subject === "" || !r.requestId)).toEqual([]);
  });

  it("answers with filters and pages, to platform admins and to an organization's admins for that organization only", async () => {
    const admin = clients(tokens.admin).audit;
    const deniedOnly = await admin.listAuditRecords({ result: AuditResult.DENIED, subject: "token:viewer" });
    expect(deniedOnly.records.map((r) => r.name)).toEqual(["typed", "denied-b", "denied-a"]);
    const first = await admin.listAuditRecords({ subject: "token:orgadmin", kind: "projects", pageSize: 2 });
    expect(first.records).toHaveLength(2);
    const rest = await admin.listAuditRecords({ subject: "token:orgadmin", kind: "projects", pageSize: 100, pageToken: first.nextPageToken });
    // Newest first: the typed delete and create, the failed apply (its name as the request gave it), apply-2, apply-1.
    expect([...first.records, ...rest.records].map((r) => r.name)).toEqual(["typed", "typed", "choreo_abcdefghijklmnop", "shop", "wiki", "blog", "shop"]);
    expect((await codeOf(admin.listAuditRecords({ kind: "nonsense" }))).code).toBe(Code.InvalidArgument);

    expect((await clients(tokens.orgadmin).audit.listAuditRecords({ namespace: "default" })).records.length).toBeGreaterThan(0);
    const refused = await codeOf(clients(tokens.orgadmin).audit.listAuditRecords({}));
    expect(refused.code).toBe(Code.PermissionDenied);
    expect(refused.message).toContain("audit:read");
    expect((await codeOf(clients(tokens.dev).audit.listAuditRecords({ namespace: "default" }))).code).toBe(Code.PermissionDenied);
  });

  it("with a store that keeps no audit log, writes its records to the server log instead (and AuditService says so)", async () => {
    const { logger, lines } = captureLogger();
    const { auditLog: _none, ...withoutLog } = plane.store;
    const second = await startServer(
      { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 << 20, shutdownGraceMs: 100, corsOrigins: [] },
      { logger, metrics: new Registry(), resources: { ...plane, store: withoutLog } },
    );
    try {
      const transport = (token: string) => createGrpcTransport({ baseUrl: second.url, interceptors: [bearer(token) as never] });
      const resources = (token: string) => createClient(ResourceService, transport(token));
      await resources(tokens.orgadmin!).apply({ manifests: projects("logged") }, { headers: { "x-request-id": "logged-1" } });
      await codeOf(resources(tokens.viewer!).apply({ manifests: projects("logged-denied") }, { headers: { "x-request-id": "logged-2" } }));
      const audited = lines.filter((l) => l.msg === "audit").map((l) => l.audit as { requestId: string; subject: string; name: string; code: string });
      expect(audited.map((r) => [r.requestId, r.subject, r.name, r.code])).toEqual([
        ["logged-1", "token:orgadmin", "logged", "ok"],
        ["logged-2", "token:viewer", "logged-denied", "permission_denied"],
      ]);
      expect((await codeOf(createClient(AuditService, transport(tokens.admin!)).listAuditRecords({}))).code).toBe(Code.FailedPrecondition);
    } finally {
      await second.close();
    }
  });
});
