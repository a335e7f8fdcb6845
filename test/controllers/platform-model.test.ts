import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/model/index.js";
import { serviceComponent } from "../support/service-component.js";
import { condition, eventually, startPlatform, type Platform } from "./harness.js";

let platform: Platform;
beforeEach(async () => {
  platform = await startPlatform({ fakePlanes: true });
});
afterEach(async () => platform.stop());

const organization = `apiVersion: openchoreo.dev/v1alpha1
kind: Organization
metadata:
  name: acme
spec: {}
`;

/** The plane the organization's environments name (dataPlaneRef: default); its agent is played in-process. */
const dataPlane = (ns: string) => `apiVersion: openchoreo.dev/v1alpha1
kind: DataPlane
metadata: {name: default, namespace: ${ns}}
spec:
  gateway: {publicVirtualHost: apps.example.com, organizationVirtualHost: internal.example.com}
  kubernetesCluster: {name: edge, credentials: {apiServerURL: "https://edge.example.com", caCert: x, clientCert: x, clientKey: x}}
  registry: {prefix: registry.example.com}
`;

const greeter = (ns: string) => `${dataPlane(ns)}---\n${serviceComponent("greeter", { namespace: ns })}`;

describe("the platform model", () => {
  it("gives a new organization its namespace, project, pipeline, environments and classes", async () => {
    await platform.access.apply(organization);
    const org = await eventually(async () => {
      const o = await platform.get("Organization", "", "acme");
      return condition(o, "Ready")?.status === "True" && o;
    }, "organization Ready");
    expect((org.status as JsonObject).namespace).toBe("acme");
    for (const [kind, name] of [["Project", "default"], ["DeploymentPipeline", "default"], ["Environment", "development"], ["Environment", "production"], ["ServiceClass", "default"], ["APIClass", "default"]] as const) {
      expect(await platform.get(kind, "acme", name), `${kind} ${name}`).toBeDefined();
    }
    const project = await eventually(async () => {
      const p = await platform.get("Project", "acme", "default");
      return condition(p, "Ready")?.status === "True" && p;
    }, "project Ready");
    expect(condition(project, "PipelineResolved")?.status).toBe("True");
  });

  it("never reverts a default the organization's users changed", async () => {
    await platform.access.apply(organization);
    const env = await eventually(() => platform.get("Environment", "acme", "staging"), "staging environment");
    ((env.spec as JsonObject).gateway as JsonObject).dnsPrefix = "stage";
    await platform.access.update(platform.kind("Environment"), env);
    await eventually(async () => condition(await platform.get("Environment", "acme", "staging"), "Ready")?.status !== undefined, "environment reconciled");
    const after = await platform.get("Environment", "acme", "staging");
    expect(((after!.spec as JsonObject).gateway as JsonObject).dnsPrefix).toBe("stage");
  });

  it("says what is missing, and recovers by itself when it appears", async () => {
    await platform.access.apply(`apiVersion: openchoreo.dev/v1alpha1
kind: Project
metadata: {name: shop, namespace: acme}
spec: {deploymentPipelineRef: fast-lane}
`);
    const missing = await eventually(async () => {
      const p = await platform.get("Project", "acme", "shop");
      return condition(p, "Ready")?.status === "False" && p;
    }, "project not ready");
    expect(condition(missing, "PipelineResolved")).toMatchObject({ reason: "DeploymentPipelineNotFound", message: 'DeploymentPipeline "fast-lane" not found in namespace "acme"' });
    await platform.access.apply(`apiVersion: openchoreo.dev/v1alpha1
kind: DeploymentPipeline
metadata: {name: fast-lane, namespace: acme}
spec:
  promotionPaths:
  - sourceEnvironmentRef: development
    targetEnvironmentRefs: [{name: production}]
`);
    await eventually(async () => condition(await platform.get("Project", "acme", "shop"), "Ready")?.status === "True", "project recovers");
    const { items: events } = await platform.access.list(platform.kind("Event"), { namespace: "acme", labelSelector: "events.openchoreo.dev/involved-name=shop" });
    expect(events.map((e) => (e.spec as JsonObject).reason)).toContain("DeploymentPipelineNotFound");
  });

  it("rolls component readiness up into the project, and deleting the project removes what it owns", async () => {
    await platform.access.apply(organization);
    await eventually(() => platform.get("Project", "acme", "default"), "default project");
    await platform.access.apply(greeter("acme").split("---").filter((d) => !d.includes("kind: Workload")).join("---"));
    // The project may first see the component before its own reconcile (NotReconciled): wait for why.
    const waiting = await eventually(async () => {
      const p = await platform.get("Project", "acme", "default");
      return condition(p, "ComponentsReady")?.message === "1 of 1 not Ready: greeter (WorkloadNotFound)" && p;
    }, "project reports the component waiting for its Workload");
    expect(condition(waiting, "ComponentsReady")?.status).toBe("False");
    expect(condition(waiting, "Ready")?.reason).toBe("ComponentNotReady");

    await platform.access.apply(greeter("acme"));
    await eventually(async () => condition(await platform.get("Project", "acme", "default"), "Ready")?.status === "True", "project Ready");
    await eventually(() => platform.get("ServiceBinding", "acme", "greeter-development"), "binding");

    await platform.access.delete(platform.kind("Project"), { namespace: "acme", name: "default" });
    for (const kind of ["Component", "Workload", "Service", "ServiceBinding", "DeployableArtifact"]) {
      await eventually(async () => (await platform.access.list(platform.kind(kind), { namespace: "acme" })).items.length === 0, `every ${kind} gone`);
    }
  });

  it("snapshots a component into an artifact and binds it to the first environment", async () => {
    await platform.access.apply(organization);
    await eventually(() => platform.get("Project", "acme", "default"), "default project");
    await platform.access.apply(greeter("acme"));
    const component = await eventually(async () => {
      const c = await platform.get("Component", "acme", "greeter");
      return condition(c, "Ready")?.status === "True" && c;
    }, "component Ready");
    expect(condition(component, "Ready")?.message).toMatch(/bound to environment "development"/);
    const binding = await eventually(() => platform.get("ServiceBinding", "acme", "greeter-development"), "binding");
    const spec = binding.spec as JsonObject;
    expect(spec).toMatchObject({ environment: "development", releaseState: "Active", className: "default" });
    const artifact = await platform.get("DeployableArtifact", "acme", String(spec.artifactName));
    expect(((artifact!.spec as JsonObject).workload as JsonObject).containers).toEqual({ main: { image: "ghcr.io/acme/greeter:1.0.0" } });

    // A new image is a new artifact; the old one stays as it was.
    const workload = (await platform.get("Workload", "acme", "greeter"))!;
    (((workload.spec as JsonObject).containers as JsonObject).main as JsonObject).image = "ghcr.io/acme/greeter:1.1.0";
    await platform.access.update(platform.kind("Workload"), workload);
    const moved = await eventually(async () => {
      const b = await platform.get("ServiceBinding", "acme", "greeter-development");
      return (b?.spec as JsonObject).artifactName !== spec.artifactName && b;
    }, "binding moves to the new artifact");
    expect((moved.spec as JsonObject).artifactName).not.toBe(spec.artifactName);
    expect(await platform.get("DeployableArtifact", "acme", String(spec.artifactName))).toBeDefined();
  });

  it("deletes everything of an organization with it, leaving no orphans", async () => {
    await platform.access.apply(organization);
    await eventually(() => platform.get("Project", "acme", "default"), "default project");
    await platform.access.apply(greeter("acme"));
    await eventually(() => platform.get("ServiceBinding", "acme", "greeter-development"), "binding");
    await platform.access.delete(platform.kind("Organization"), { namespace: "", name: "acme" });
    await eventually(async () => (await platform.get("Organization", "", "acme")) === undefined, "organization gone", 15_000);
    for (const kind of platform.codec.registry.kinds.filter((k) => k.namespaced)) {
      const { items } = await platform.store.list(kind.schema, { namespace: "acme" });
      expect(items, kind.kind).toEqual([]);
    }
  });
});
