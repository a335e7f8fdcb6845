// What only controllers write, attacked through the public API over real gRPC: a forged plane
// credential, a Binding written straight into production, a Release carrying cluster-admin, approvals
// written by the requester, a forged status. Each is refused or ignored and nothing is stored.
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProjectService } from "../../gen/openchoreo/api/v1alpha1/project_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import type { JsonObject } from "../../src/model/index.js";
import { condition, eventually } from "../controllers/harness.js";
import { pipelineWithApproval, serviceComponent, startPromotionPlatform, type PromotionPlatform } from "../promotion/support/promotion-platform.js";
import { codeOf } from "../support/code-of.js";
import { bearer } from "../support/test-tokens.js";

let platform: PromotionPlatform;
const sessions: Http2SessionManager[] = [];
beforeAll(async () => {
  platform = await startPromotionPlatform();
  await platform.apply(serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
});
afterAll(async () => {
  for (const session of sessions) session.abort();
  await platform.stop();
});

function client<S extends typeof ResourceService | typeof ProjectService>(service: S, as: string) {
  const sessionManager = new Http2SessionManager(platform.server.url);
  sessions.push(sessionManager);
  return createClient(service, createGrpcTransport({ baseUrl: platform.server.url, sessionManager, interceptors: [bearer(platform.tokens[as]) as never] }));
}
const resources = (as = "admin") => client(ResourceService, as);
const apply = (as: string, doc: JsonObject) => resources(as).apply({ manifests: JSON.stringify(doc) });
const specOf = (o: JsonObject | undefined) => (o?.spec ?? {}) as JsonObject;

async function readyBinding(environment: string): Promise<JsonObject> {
  return eventually(async () => {
    const binding = (await platform.list("ServiceBinding")).find((b) => specOf(b).environment === environment);
    return condition(binding, "Ready")?.status === "True" && binding;
  }, `greeter Ready in ${environment}`);
}

describe("system-owned kinds are read-only through the API, whatever the caller's role", () => {
  it("a PlaneCredential with a chosen token hash is refused, even to a platform admin, and nothing is stored", async () => {
    const forged = {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "PlaneCredential",
      metadata: { name: "dataplane-evil-agent", namespace: "default" },
      spec: { planeKind: "DataPlane", planeName: "default", tokenSha256: "a".repeat(64) },
    };
    for (const as of ["admin", "alice"]) {
      const refused = await codeOf(apply(as, forged));
      expect(refused.code).toBe(Code.PermissionDenied);
    }
    expect((await codeOf(apply("admin", forged))).message).toMatch(/PlaneCredential objects are system-owned/);
    expect(await platform.get("PlaneCredential", "dataplane-evil-agent")).toBeUndefined();
  });

  it("PlaneCredentials are listed to platform admins only (their hashes are secrets)", async () => {
    expect((await codeOf(resources("alice").list({ kind: "PlaneCredential", namespace: "default" }))).code).toBe(Code.PermissionDenied);
    expect((await codeOf(resources("alice").get({ kind: "PlaneCredential", namespace: "default", name: "dataplane-default-agent" }))).code).toBe(Code.PermissionDenied);
    const listed = await resources("admin").list({ kind: "PlaneCredential", allNamespaces: true });
    expect(listed.items.every((item) => (item as JsonObject).kind === "PlaneCredential")).toBe(true);
  });

  it("a Release carrying a ClusterRoleBinding to cluster-admin is refused and never reaches a plane", async () => {
    const release = {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Release",
      metadata: { name: "takeover", namespace: "default" },
      spec: {
        owner: { projectName: "default", componentName: "greeter" },
        environmentName: "development",
        resources: [
          {
            id: "crb",
            object: {
              apiVersion: "rbac.authorization.k8s.io/v1",
              kind: "ClusterRoleBinding",
              metadata: { name: "pwned" },
              roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
              subjects: [{ kind: "ServiceAccount", name: "default", namespace: "default" }],
            },
          },
        ],
      },
    };
    const refused = await codeOf(apply("admin", release));
    expect(refused.code).toBe(Code.PermissionDenied);
    expect(refused.message).toMatch(/Release objects are system-owned/);
    expect(await platform.get("Release", "takeover")).toBeUndefined();
  });

  it("Events and DeployableArtifacts are refused too", async () => {
    for (const kind of ["Event", "DeployableArtifact"]) {
      const refused = await codeOf(apply("admin", { apiVersion: "openchoreo.dev/v1alpha1", kind, metadata: { name: "forged", namespace: "default" }, spec: {} }));
      expect({ kind, code: refused.code }).toEqual({ kind, code: Code.PermissionDenied });
      expect(await platform.get(kind, "forged")).toBeUndefined();
    }
  });
});

describe("Bindings: created by the control plane; only releaseState and overrides are the users'", () => {
  it("a ServiceBinding for production applied directly is refused, even to a platform admin, and nothing renders there", async () => {
    const dev = await readyBinding("development");
    const direct = {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "ServiceBinding",
      metadata: { name: "greeter-production-direct", namespace: "default" },
      spec: { ...specOf(dev), environment: "production" },
    };
    const refused = await codeOf(apply("admin", direct));
    expect(refused.code).toBe(Code.PermissionDenied);
    expect(refused.message).toMatch(/ServiceBinding objects are system-owned: created by the control plane/);
    expect(await platform.get("ServiceBinding", "greeter-production-direct")).toBeUndefined();
    expect(await platform.list("Release", "openchoreo.dev/component=greeter,openchoreo.dev/environment=production")).toEqual([]);
  });

  it("moving an existing Binding to another artifact or workload is invalid_argument naming the field; releaseState alone is written and a sent status ignored", async () => {
    const dev = await readyBinding("development");
    const name = String((dev.metadata as JsonObject).name);
    const moved = await codeOf(apply("admin", { apiVersion: "openchoreo.dev/v1alpha1", kind: "ServiceBinding", metadata: { name }, spec: { ...specOf(dev), artifactName: "someone-elses-artifact" } }));
    expect(moved.code).toBe(Code.InvalidArgument);
    expect(moved.message).toMatch(/spec\.artifactName: set by the control plane/);
    const workload = specOf(dev).workloadSpec as JsonObject;
    const swapped = await codeOf(apply("alice", { apiVersion: "openchoreo.dev/v1alpha1", kind: "ServiceBinding", metadata: { name }, spec: { ...specOf(dev), workloadSpec: { ...workload, containers: { main: { image: "evil/miner:latest" } } } } }));
    expect(swapped.code).toBe(Code.InvalidArgument);
    expect(swapped.message).toMatch(/spec\.workloadSpec/);
    expect(specOf(await platform.get("ServiceBinding", name))).toEqual(specOf(dev));

    await apply("alice", { apiVersion: "openchoreo.dev/v1alpha1", kind: "ServiceBinding", metadata: { name }, spec: { releaseState: "Suspend" }, status: { conditions: [] } });
    const suspended = await platform.get("ServiceBinding", name);
    expect(specOf(suspended)).toEqual({ ...specOf(dev), releaseState: "Suspend" });
    expect(condition(suspended, "Ready")).toBeDefined();
  });
});

describe("status and a Promotion's approvals are the controllers' and the server's", () => {
  it("a Promotion applied with approvals and another requester keeps neither", async () => {
    await apply("alice", {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Promotion",
      metadata: { name: "self-approved", namespace: "default" },
      spec: {
        owner: { projectName: "default", componentName: "greeter" },
        sourceEnvironment: "development",
        targetEnvironment: "staging",
        requestedBy: "token:carol",
        approvals: [{ principal: "token:carol", decision: "Approved" }],
      },
    });
    const stored = specOf(await platform.get("Promotion", "self-approved"));
    expect(stored.requestedBy).toBe("token:alice");
    expect(stored.approvals).toBeUndefined();
  });

  it("production moves only through a Promotion with its approvals: one applied with forged approvals waits for real ones, and production stays empty", async () => {
    await platform.apply(pipelineWithApproval);
    await readyBinding("development");
    const { promotion } = await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" });
    await eventually(async () => (await platform.promotions().getPromotion({ name: promotion!.metadata!.name })).promotion?.status?.phase === "Succeeded", "greeter in staging");
    await readyBinding("staging");
    await apply("alice", {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Promotion",
      metadata: { name: "to-production", namespace: "default" },
      spec: {
        owner: { projectName: "default", componentName: "greeter" },
        sourceEnvironment: "staging",
        targetEnvironment: "production",
        approvals: [{ principal: "token:carol", decision: "Approved" }],
      },
      status: { phase: "Succeeded" },
    });
    await eventually(async () => (await platform.get("Promotion", "to-production"))?.status !== undefined && ((await platform.get("Promotion", "to-production"))!.status as JsonObject).phase === "AwaitingApproval", "the promotion awaiting approval");
    expect((await platform.list("ServiceBinding")).filter((b) => specOf(b).environment === "production")).toEqual([]);
  });

  it("a typed update ignores the status it is sent and keeps the stored one", async () => {
    const projects = client(ProjectService, "admin");
    const { project } = await projects.getProject({ namespace: "default", name: "default" });
    const before = (await platform.get("Project", "default"))!;
    expect(((before.status as JsonObject).conditions as unknown[]).length).toBeGreaterThan(0);
    const forged = { ...project!, status: { ...project!.status!, conditions: [] } };
    const { project: after } = await projects.updateProject({ project: forged as never });
    expect(after?.status?.conditions.length).toBe(((before.status as JsonObject).conditions as unknown[]).length);
  });
});
