import { create } from "@bufbuild/protobuf";
import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProjectService } from "../../gen/openchoreo/api/v1alpha1/project_service_pb.js";
import { ApplyAction, ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { WatchEventType } from "../../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { resourceRoutes } from "../../src/api/resource-routes.js";
import { createErrorBoundary } from "../../src/server/index.js";
import { pino } from "pino";
import { REDACTED } from "../../src/model/index.js";
import { startPlatform, type Platform } from "../controllers/harness.js";
import { codeOf } from "../support/code-of.js";

let platform: Platform;
let transport: ReturnType<typeof createRouterTransport>;

/** The API alone (no controller writes behind the test's back), or with the controllers running. */
async function serve(controllers: boolean): Promise<void> {
  platform = await startPlatform({ controllers });
  transport = createRouterTransport((router) => resourceRoutes(router, platform), {
    router: { interceptors: [createErrorBoundary(pino({ level: "silent" }))] },
  });
}
beforeEach(async () => serve(false));
afterEach(async () => platform.stop());

const project = (name: string, pipeline = "default") =>
  create(ProjectSchema, { apiVersion: "openchoreo.dev/v1alpha1", kind: "Project", metadata: { name, namespace: "acme" }, spec: { deploymentPipelineRef: pipeline } });

describe("typed resource services", () => {
  it("create, get, list with pages and selectors, update with conflicts, delete", async () => {
    const projects = createClient(ProjectService, transport);
    const created = (await projects.createProject({ project: project("shop") })).project!;
    expect(created.metadata).toMatchObject({ name: "shop", namespace: "acme", generation: 1 });
    expect(created.metadata!.uid).not.toBe("");
    await projects.createProject({ project: project("blog") });
    await projects.createProject({ project: project("wiki") });

    expect((await projects.getProject({ namespace: "acme", name: "shop" })).project!.spec!.deploymentPipelineRef).toBe("default");
    const first = await projects.listProjects({ namespace: "acme", pageSize: 2 });
    expect(first.projects.map((p) => p.metadata!.name)).toEqual(["blog", "shop"]);
    const second = await projects.listProjects({ namespace: "acme", pageSize: 2, pageToken: first.nextPageToken });
    expect(second.projects.map((p) => p.metadata!.name)).toEqual(["wiki"]);
    expect(second.nextPageToken).toBe("");

    created.spec!.deploymentPipelineRef = "fast";
    const updated = (await projects.updateProject({ project: created })).project!;
    expect(updated.metadata!.generation).toBe(2);
    expect((await codeOf(projects.updateProject({ project: created }))).code).toBe(Code.Aborted);

    await projects.deleteProject({ namespace: "acme", name: "blog" });
    expect((await codeOf(projects.getProject({ namespace: "acme", name: "blog" }))).code).toBe(Code.NotFound);
  });

  it("refuses invalid objects with InvalidArgument naming the field, and writes nothing", async () => {
    const projects = createClient(ProjectService, transport);
    const bad = project("Not_Valid");
    bad.spec!.deploymentPipelineRef = undefined;
    const { code, message } = await codeOf(projects.createProject({ project: bad }));
    expect(code).toBe(Code.InvalidArgument);
    expect(message).toContain("metadata.name: must be a DNS-1123 label");
    expect(message).toContain("spec.deploymentPipelineRef: required");
    expect((await projects.listProjects({ namespace: "acme" })).projects).toEqual([]);
    expect((await codeOf(projects.createProject({ project: project("shop") }).then(() => projects.createProject({ project: project("shop") })))).code).toBe(Code.AlreadyExists);
  });

  it("watches from a resource version", async () => {
    const projects = createClient(ProjectService, transport);
    const { resourceVersion } = await projects.listProjects({ namespace: "acme" });
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const event of projects.watchProjects({ namespace: "acme", resourceVersion }, { signal: abort.signal })) {
        if (event.type === WatchEventType.BOOKMARK) continue;
        seen.push(`${WatchEventType[event.type]} ${event.project?.metadata?.name}`);
        if (seen.length === 2) abort.abort();
      }
    })().catch(() => undefined);
    await projects.createProject({ project: project("shop") });
    await projects.deleteProject({ namespace: "acme", name: "shop" });
    await watching;
    expect(seen).toEqual(["ADDED shop", "DELETED shop"]);
  });

  it("redacts plane credentials in every read and keeps them when a read is written back", async () => {
    const planes = createClient(DataPlaneService, transport);
    const resources = createClient(ResourceService, transport);
    await resources.apply({
      manifests: `apiVersion: openchoreo.dev/v1alpha1
kind: DataPlane
metadata: {name: edge, namespace: acme}
spec:
  kubernetesCluster: {name: edge, credentials: {apiServerURL: "https://edge:6443", caCert: CA, clientCert: CERT, clientKey: KEY}}
  gateway: {publicVirtualHost: apps.example.com, organizationVirtualHost: internal.example.com}
  registry: {prefix: registry.example.com}
`,
    });
    const read = (await planes.getDataPlane({ namespace: "acme", name: "edge" })).dataPlane!;
    expect(read.spec!.kubernetesCluster!.credentials!.clientKey).toBe(REDACTED);
    read.spec!.gateway!.publicVirtualHost = "apps2.example.com";
    await planes.updateDataPlane({ dataPlane: read });
    const stored = await platform.store.get(platform.kind("DataPlane").schema, { namespace: "acme", name: "edge" });
    expect(JSON.stringify(platform.codec.encode(stored))).toContain('"clientKey":"KEY"');
  });

  it("answers Unimplemented for methods without logic yet", async () => {
    const planes = createClient(DataPlaneService, transport);
    expect((await codeOf(planes.registerDataPlane({ namespace: "acme", name: "edge" }))).code).toBe(Code.Unimplemented);
  });
});

describe("ResourceService", () => {
  const manifests = `apiVersion: openchoreo.dev/v1alpha1
kind: Project
metadata: {name: shop, namespace: acme, labels: {team: a}}
spec: {deploymentPipelineRef: default}
---
apiVersion: openchoreo.dev/v1alpha1
kind: Environment
metadata: {name: qa, namespace: acme}
spec: {dataPlaneRef: default, isProduction: false}
`;

  it("applies idempotently: the second apply reports unchanged with the same resourceVersion", async () => {
    const resources = createClient(ResourceService, transport);
    const first = await resources.apply({ manifests });
    expect(first.results.map((r) => r.action)).toEqual([ApplyAction.CREATED, ApplyAction.CREATED]);
    const second = await resources.apply({ manifests });
    expect(second.results.map((r) => r.action)).toEqual([ApplyAction.UNCHANGED, ApplyAction.UNCHANGED]);
    expect(second.results.map((r) => r.resourceVersion)).toEqual(first.results.map((r) => r.resourceVersion));
    const third = await resources.apply({ manifests: manifests.replace("dataPlaneRef: default", "dataPlaneRef: edge") });
    expect(third.results.map((r) => r.action)).toEqual([ApplyAction.UNCHANGED, ApplyAction.CONFIGURED]);
  });

  it("answers each document with what names its object, and with the whole object only when asked", async () => {
    const resources = createClient(ResourceService, transport);
    const named = await resources.apply({ manifests: manifests.replace(/\bqa\b/g, "uat") });
    expect(named.results.map(({ action, apiVersion, kind, namespace, name }) => ({ action, apiVersion, kind, namespace, name }))).toEqual([
      { action: ApplyAction.CREATED, apiVersion: "openchoreo.dev/v1alpha1", kind: "Project", namespace: "acme", name: "shop" },
      { action: ApplyAction.CREATED, apiVersion: "openchoreo.dev/v1alpha1", kind: "Environment", namespace: "acme", name: "uat" },
    ]);
    const stored = (await resources.get({ kind: "Environment", namespace: "acme", name: "uat" })).object as { metadata: { uid: string; resourceVersion: string } };
    expect(named.results[1]).toMatchObject({ uid: stored.metadata.uid, resourceVersion: stored.metadata.resourceVersion });
    expect(named.results.every((r) => r.object === undefined)).toBe(true);

    const whole = await resources.apply({ manifests: manifests.replace(/\bqa\b/g, "uat"), returnObjects: true });
    expect(whole.results[1]!.object).toEqual(stored);
  });

  it("refuses an Apply naming one object in two documents, and writes none of them", async () => {
    const resources = createClient(ResourceService, transport);
    const twice = `apiVersion: openchoreo.dev/v1alpha1
kind: Environment
metadata: {name: twice, namespace: acme}
spec: {dataPlaneRef: default}
---
apiVersion: openchoreo.dev/v1alpha1
kind: Environment
metadata: {name: twice, namespace: acme}
spec: {dataPlaneRef: edge}
`;
    const err = await codeOf(resources.apply({ manifests: twice }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.message).toContain("document 2 (Environment twice): metadata.name");
    expect(err.message).toContain("names the same Environment as document 1");
    await expect(resources.get({ kind: "Environment", namespace: "acme", name: "twice" })).rejects.toThrow(/not found/);
  });

  it("checks every document before writing any", async () => {
    const resources = createClient(ResourceService, transport);
    const { code, message } = await codeOf(resources.apply({ manifests: manifests + "---\napiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata: {name: api, namespace: acme}\nspec: {owner: {projectName: shop}, type: Lambda}\n" }));
    expect(code).toBe(Code.InvalidArgument);
    expect(message).toContain("document 3 (Component api): spec.type: must be one of");
    expect((await resources.list({ kind: "projects", namespace: "acme" })).items).toEqual([]);
  });

  it("gets, lists and deletes any kind by kind, plural or short name", async () => {
    const resources = createClient(ResourceService, transport);
    await resources.apply({ manifests });
    expect((await resources.get({ kind: "proj", namespace: "acme", name: "shop" })).object).toMatchObject({ kind: "Project", spec: { deploymentPipelineRef: "default" } });
    expect((await resources.list({ kind: "environments", namespace: "acme", labelSelector: "!team" })).items).toHaveLength(1);
    expect((await resources.list({ kind: "Project", allNamespaces: true, labelSelector: "team=a" })).items).toHaveLength(1);
    await resources.delete({ kind: "env", namespace: "acme", name: "qa" });
    expect((await codeOf(resources.get({ kind: "env", namespace: "acme", name: "qa" }))).code).toBe(Code.NotFound);
    expect((await codeOf(resources.get({ kind: "gizmo", name: "x" }))).message).toBe('kind: unknown kind "gizmo"');
  });

  it("lists the events controllers record about an object", async () => {
    await platform.stop();
    await serve(true);
    const resources = createClient(ResourceService, transport);
    await resources.apply({ manifests: "apiVersion: openchoreo.dev/v1alpha1\nkind: Organization\nmetadata: {name: acme}\nspec: {}\n" });
    let events: { reason?: string }[] = [];
    for (let i = 0; i < 200 && events.length === 0; i++) {
      events = (await resources.listEvents({ kind: "Organization", name: "acme" })).events.map((e) => ({ reason: e.spec?.reason }));
      if (events.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(events).toContainEqual({ reason: "DefaultsCreated" });
  });
});
