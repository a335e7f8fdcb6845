// Plane registration on the real control plane and server: platform admins only, no silent takeover
// of a plane that has a credential, and a replacement recorded in the audit log with who asked.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/openchoreo/api/v1alpha1/audit_service_pb.js";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { issueApiToken, tokenSubject } from "../../src/auth/index.js";
import { startControlPlane, type ControlPlane } from "../../src/main/control-plane.js";
import { startServer, type RunningServer } from "../../src/main/start-server.js";
import { eventually } from "../controllers/harness.js";
import { codeOf } from "../support/code-of.js";
import { bearer } from "../support/test-tokens.js";

const dir = mkdtempSync(join(tmpdir(), "plane-registration-"));
let plane: ControlPlane;
let server: RunningServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  const logger = pino({ level: "silent" });
  plane = await startControlPlane({ dataDir: join(dir, "data") }, { logger, metrics: new Registry() });
  server = await startServer(
    { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 << 20, shutdownGraceMs: 100, corsOrigins: [] },
    { logger, metrics: new Registry(), resources: plane },
  );
  tokens.admin = readFileSync(plane.adminTokenFile!, "utf8").trim();
  tokens.orgadmin = (await issueApiToken(plane.access, plane.codec.registry, { name: "orgadmin", organization: "default", role: "admin", expiresAtMs: undefined, createdBy: "test" })).token;
  await eventually(async () => plane.accessControl.grants.grantsOf({ subject: tokenSubject("orgadmin"), groups: [] }).length > 0 && plane.accessControl.tokens.byName("orgadmin"), "the org admin's grant cached");
});
afterAll(async () => {
  await server?.close();
  await plane?.close();
  rmSync(dir, { recursive: true, force: true });
});

const clients = (token: string) => {
  const transport = createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(token) as never] });
  return { planes: createClient(DataPlaneService, transport), audit: createClient(AuditService, transport) };
};
const named = { namespace: "default", name: "default" };

describe("plane registration", () => {
  it("Register, Rotate and Revoke are refused to an organization's admin", async () => {
    const { planes } = clients(tokens.orgadmin!);
    expect((await codeOf(planes.registerDataPlane(named))).code).toBe(Code.PermissionDenied);
    expect((await codeOf(planes.rotateDataPlaneCredential(named))).code).toBe(Code.PermissionDenied);
    expect((await codeOf(planes.revokeDataPlaneCredential(named))).code).toBe(Code.PermissionDenied);
  });

  it("registering a plane with a credential is AlreadyExists; replacing it is audited with the caller", async () => {
    const { planes, audit } = clients(tokens.admin!);
    await planes.registerDataPlane(named);
    const again = await codeOf(planes.registerDataPlane(named));
    expect(again.code).toBe(Code.AlreadyExists);
    await planes.registerDataPlane({ ...named, replace: true }, { headers: { "x-request-id": "replace-1" } });
    const { records } = await audit.listAuditRecords({ pageSize: 1000 });
    const ofCredential = records.filter((r) => r.kind === "PlaneCredential" && r.name === "dataplane-default-agent" && r.method.endsWith("DataPlaneService/RegisterDataPlane"));
    expect(ofCredential.map((r) => r.detail).reverse()).toEqual(["create", "update"]);
    expect(ofCredential[0]).toMatchObject({ subject: "token:admin", requestId: "replace-1", code: "ok" });
  });
});
