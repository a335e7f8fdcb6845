import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { PlaneAgentStatusSchema } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import type { JsonObject } from "../../src/model/index.js";
import type { FakePlaneOptions } from "../support/fake-plane.js";
import { serviceComponent } from "../support/service-component.js";
import { condition, eventually, startPlatform, type Platform } from "./harness.js";

const service = (name: string, calls?: string) => serviceComponent(name, { calls });

let platform: Platform | undefined;
afterEach(async () => platform?.stop());

async function start(fakePlanes: FakePlaneOptions | boolean = true): Promise<Platform> {
  platform = await startPlatform({ embeddedDefaults: true, fakePlanes });
  await eventually(() => platform!.get("Environment", "default", "development"), "the default environments");
  return platform;
}

const get = (kind: string, name: string) => platform!.get(kind, "default", name);
const ready = async (kind: string, name: string) => condition(await get(kind, name), "Ready");
const until = (kind: string, name: string, check: (c: ReturnType<typeof condition>) => boolean, what: string) =>
  eventually(async () => {
    const object = await get(kind, name);
    return check(condition(object, "Ready")) && object;
  }, `${kind} ${name}: ${what}`);
const resources = (release: JsonObject | undefined) => (((release?.spec as JsonObject | undefined)?.resources ?? []) as JsonObject[]).map((r) => r.object as JsonObject);
const kinds = (release: JsonObject | undefined) => resources(release).map((o) => o.kind).sort();
/** The data plane's Releases (the build plane holds the build templates' Release besides). */
const releasesOf = async (p: Platform) => (await p.access.list(p.kind("Release"), { namespace: "default", labelSelector: "openchoreo.dev/plane-kind=DataPlane" })).items;

describe("releases", () => {
  it("deliver each binding as its own Release and the project's cell as another, and Ready flows up to the project", async () => {
    const p = await start();
    await p.access.apply(service("orders"));
    await p.access.apply(service("web", "orders"));

    const binding = await until("ServiceBinding", "web-development", (c) => c?.status === "True", "Ready");
    expect(condition(binding, "Ready")?.reason).toBe("Healthy");
    await until("Component", "web", (c) => c?.status === "True", "Ready");
    await until("Project", "default", (c) => c?.status === "True", "Ready");

    const release = (await get("Release", "web-development"))!;
    expect(kinds(release)).toEqual(["CiliumNetworkPolicy", "Deployment", "HTTPRoute", "Service"]);
    expect((release.metadata as JsonObject).labels).toMatchObject({ "openchoreo.dev/plane-kind": "DataPlane", "openchoreo.dev/plane-name": "default", "openchoreo.dev/component": "web" });
    // The connection resolved against the other component's endpoint in the same environment.
    expect(JSON.stringify(resources(release))).toContain("UPSTREAM_URL");

    const cells = (await releasesOf(p)).filter((r) => String((r.metadata as JsonObject).name).startsWith("dp-default-default-development-"));
    expect(cells).toHaveLength(1);
    expect(kinds(cells[0])).toEqual(["CiliumNetworkPolicy", "Namespace"]);

    // Every object belongs to exactly one Release.
    const ids = (await releasesOf(p)).flatMap((r) => ((r.spec as JsonObject).resources as JsonObject[]).map((o) => o.id));
    expect(new Set(ids).size).toBe(ids.length);

    const endpoints = (await p.access.list(p.kind("Endpoint"), { namespace: "default", labelSelector: "openchoreo.dev/component=web" })).items;
    expect(endpoints).toHaveLength(1);
    const endpoint = await eventually(async () => {
      const e = await get("Endpoint", String((endpoints[0]!.metadata as JsonObject).name));
      return condition(e, "Ready")?.status === "True" && e;
    }, "endpoint Ready");
    expect((endpoint.status as JsonObject).address).toBe("https://development.choreoapis.localhost/default/web/web");
    expect((binding.status as JsonObject).endpoints).toEqual([expect.objectContaining({ name: "api", type: "REST" })]);
  });

  it("re-render a connection when the component it names arrives later or changes its endpoint", async () => {
    const p = await start();
    const upstream = async () => {
      const deployment = resources(await get("Release", "web-development")).find((o) => o.kind === "Deployment");
      const env = JSON.stringify(deployment ?? {});
      return /"UPSTREAM_URL","value":"([^"]*)"/.exec(env)?.[1];
    };
    // The caller first: its connection names a component not deployed yet, so nothing is injected.
    await p.access.apply(service("web", "orders"));
    await until("ServiceBinding", "web-development", (c) => c?.status !== undefined, "reconciled");
    expect(condition(await get("ServiceBinding", "web-development"), "Rendered")?.reason).toBe("ConnectionUnresolved");
    expect(await upstream()).toBeUndefined();

    await p.access.apply(service("orders"));
    const url = await eventually(upstream, "web's UPSTREAM_URL once orders is deployed");
    expect(url).toContain(":9090");
    await p.access.apply(service("orders").replaceAll("9090", "8080"));
    await eventually(async () => (await upstream())?.includes(":8080"), "web's UPSTREAM_URL following orders' new port");
  });

  it("prune only what left: deleting a component removes its Release and leaves its siblings' untouched", async () => {
    const p = await start();
    await p.access.apply(service("orders"));
    await p.access.apply(service("web"));
    await until("ServiceBinding", "web-development", (c) => c?.status === "True", "Ready");
    await until("ServiceBinding", "orders-development", (c) => c?.status === "True", "Ready");
    const orders = (await get("Release", "orders-development"))!;

    await p.access.delete(p.kind("Component"), { namespace: "default", name: "web" });
    await eventually(async () => !(await get("Release", "web-development")), "web's Release deleted with its binding");
    const after = (await get("Release", "orders-development"))!;
    expect((after.metadata as JsonObject).generation).toBe((orders.metadata as JsonObject).generation);
    expect((await releasesOf(p)).some((r) => String((r.metadata as JsonObject).name).startsWith("dp-"))).toBe(true);

    await p.access.delete(p.kind("Component"), { namespace: "default", name: "orders" });
    await eventually(async () => (await releasesOf(p)).length === 0, "the cell Release deleted with the project's last binding");
  });

  it("leave bindings not Ready while no agent of the plane is connected", async () => {
    const p = await start({ disconnected: new Set(["default"]) });
    await p.access.apply(service("orders"));
    const binding = await until("ServiceBinding", "orders-development", (c) => c?.reason === "AgentNotConnected", "waits for the agent");
    expect(condition(binding, "Ready")?.message).toMatch(/no agent of DataPlane "default" is connected/);
    expect((await ready("DataPlane", "default"))?.reason).toBe("AgentNotConnected");
    await until("Component", "orders", (c) => c?.status === "False" && c.message === "1 of 1 not Ready: orders-development (AgentNotConnected)", "says why");
  });

  it("take bindings out of Ready when their plane's agent goes away, and back when it returns", async () => {
    const away = new Set<string>();
    const p = await start({ disconnected: away });
    await p.access.apply(service("orders"));
    await until("ServiceBinding", "orders-development", (c) => c?.status === "True", "Ready");

    // What the plane sessions record when an agent falls silent (test/planes proves that part).
    away.add("default");
    const setConnected = async (connected: boolean) => {
      const plane = await p.store.get(DataPlaneSchema, { namespace: "default", name: "default" });
      plane.status!.agent = create(PlaneAgentStatusSchema, { sessionId: "fake", connected, disconnectReason: connected ? "" : "heartbeat timeout" });
      await p.store.updateStatus(DataPlaneSchema, plane);
    };
    await setConnected(false);
    const binding = await until("ServiceBinding", "orders-development", (c) => c?.reason === "AgentNotConnected", "leaves Ready");
    expect(condition(binding, "Ready")?.message).toMatch(/heartbeat timeout/);

    away.delete("default");
    await setConnected(true);
    await until("ServiceBinding", "orders-development", (c) => c?.status === "True", "Ready again");
  });

  it("say Simulated beside Ready on the Release, binding, component and project only while the plane's agent announces simulation", async () => {
    const p = await start();
    await p.access.apply(service("orders"));
    await until("Project", "default", (c) => c?.status === "True", "Ready");
    // The fake plane's agent simulates nothing: no status speaks of simulation.
    for (const [kind, name] of [["Release", "orders-development"], ["ServiceBinding", "orders-development"], ["Component", "orders"], ["Project", "default"]] as const) {
      expect(condition(await get(kind, name), "Simulated"), `${kind} ${name}`).toBeUndefined();
    }

    // What the plane session records of an agent whose Hello announced the simulation (the local driver's).
    const setAgent = async (capabilities: string[]) => {
      const plane = await p.store.get(DataPlaneSchema, { namespace: "default", name: "default" });
      plane.status!.agent = create(PlaneAgentStatusSchema, { sessionId: "fake", connected: true, driver: "local", capabilities });
      await p.store.updateStatus(DataPlaneSchema, plane);
    };
    await setAgent(["live-objects", "simulation"]);
    const simulated = (kind: string, name: string, status: string) =>
      eventually(async () => {
        const object = await get(kind, name);
        return condition(object, "Simulated")?.status === status && object;
      }, `${kind} ${name}: Simulated ${status}`);
    const release = await simulated("Release", "orders-development", "True");
    expect(condition(release, "Simulated")).toMatchObject({ reason: "SimulatedPlane", message: expect.stringMatching(/^DataPlane "default" is simulated by its agent \(local driver\)/) });
    const binding = await simulated("ServiceBinding", "orders-development", "True");
    expect(condition(binding, "Ready")?.status).toBe("True");
    const component = await simulated("Component", "orders", "True");
    expect(condition(component, "Ready")?.status).toBe("True");
    expect(condition(component, "Simulated")?.message).toMatch(/^1 of 1 ServiceBinding simulated \(orders-development\): DataPlane "default"/);
    const project = await simulated("Project", "default", "True");
    expect(condition(project, "Ready")?.status).toBe("True");
    expect(condition(project, "Simulated")?.message).toMatch(/^1 of 1 Component simulated \(orders\)/);

    // The plane now runs what it is sent: what said Simulated says it no longer is.
    await setAgent(["live-objects"]);
    for (const [kind, name] of [["Release", "orders-development"], ["ServiceBinding", "orders-development"], ["Component", "orders"], ["Project", "default"]] as const) {
      expect(condition(await simulated(kind, name, "False"), "Simulated")?.reason).toBe("NotSimulated");
    }
    expect((await ready("Project", "default"))?.status).toBe("True");
  });

  it("roll a degraded workload up into the binding, the component and the project", async () => {
    const p = await start({ health: (o) => (o.kind === "Deployment" ? "Degraded" : "Healthy") });
    await p.access.apply(service("orders"));
    const binding = await until("ServiceBinding", "orders-development", (c) => c?.reason === "Degraded", "Degraded");
    expect(condition(binding, "Ready")?.message).toMatch(/Deployment .*orders/);
    await until("Project", "default", (c) => c?.status === "False" && c.reason === "ComponentNotReady", "not Ready");
  });

  it("suspend keeps the objects scaled to zero; undeploy removes them and the empty cell", async () => {
    const p = await start({ health: (o) => ((o.spec as JsonObject | undefined)?.replicas === 0 ? "Suspended" : "Healthy") });
    await p.access.apply(service("orders"));
    await until("ServiceBinding", "orders-development", (c) => c?.status === "True", "Ready");
    const setState = async (state: string) => {
      const binding = (await get("ServiceBinding", "orders-development"))!;
      (binding.spec as JsonObject).releaseState = state;
      await p.access.update(p.kind("ServiceBinding"), binding);
    };

    await setState("Suspend");
    await until("ServiceBinding", "orders-development", (c) => c?.status === "True" && c.reason === "Suspended", "Suspended");
    const suspended = (await get("Release", "orders-development"))!;
    expect(resources(suspended).find((o) => o.kind === "Deployment")?.spec).toMatchObject({ replicas: 0 });
    expect(kinds(suspended)).toContain("Service");

    await setState("Undeploy");
    await until("ServiceBinding", "orders-development", (c) => c?.status === "True" && c.reason === "Undeployed", "Undeployed");
    expect(resources(await get("Release", "orders-development"))).toEqual([]);
    await eventually(async () => (await releasesOf(p)).every((r) => !String((r.metadata as JsonObject).name).startsWith("dp-")), "the empty cell removed");
  });

  it("keep the last good Release when a render loses the workload (its class was deleted)", async () => {
    const p = await start();
    await p.access.apply(service("orders"));
    await until("ServiceBinding", "orders-development", (c) => c?.status === "True", "Ready");
    const before = (await get("Release", "orders-development"))!;
    await p.access.delete(p.kind("ServiceClass"), { namespace: "default", name: "default" });
    const failed = await until("ServiceBinding", "orders-development", (c) => c?.reason === "ServiceClassNotFound", "says the class is missing");
    expect(condition(failed, "Rendered")).toMatchObject({ status: "False", reason: "ClassNotFound" });
    const after = (await get("Release", "orders-development"))!;
    expect((after.metadata as JsonObject).generation).toBe((before.metadata as JsonObject).generation);
    expect(kinds(after)).toContain("Deployment");
  });

  it("publish a managed API: an APIBinding becomes a Release of routes in front of its backend, and the API gets its address", async () => {
    const p = await start();
    await p.access.apply(service("orders"));
    await until("ServiceBinding", "orders-development", (c) => c?.status === "True", "Ready");
    await p.access.apply(`apiVersion: openchoreo.dev/v1alpha1
kind: API
metadata: {name: orders-api, namespace: default}
spec:
  className: default
  environmentName: development
  owner: {projectName: default, componentName: orders}
  type: REST
  rest:
    backend: {port: 9090, basePath: /orders}
    exposeLevels: [Public]
---
apiVersion: openchoreo.dev/v1alpha1
kind: APIBinding
metadata: {name: orders-api-development, namespace: default}
spec: {apiName: orders-api, apiClassName: default, environmentName: development}
`);
    const binding = await until("APIBinding", "orders-api-development", (c) => c?.status === "True", "Ready");
    expect(condition(binding, "Rendered")?.status).toBe("True");
    expect(kinds(await get("Release", "orders-api-development"))).toContain("HTTPRoute");
    const address = await eventually(async () => ((await get("API", "orders-api"))?.status as JsonObject | undefined)?.address, "the API's address");
    expect(address).toMatch(/^https:\/\/development\.choreoapis\.localhost\//);

    // Its backend undeployed, the managed API has nothing to front: it says so.
    const backend = (await get("ServiceBinding", "orders-development"))!;
    (backend.spec as JsonObject).releaseState = "Undeploy";
    await p.access.update(p.kind("ServiceBinding"), backend);
    const orphaned = await until("APIBinding", "orders-api-development", (c) => c?.reason === "BackendNotFound", "says its backend is gone");
    expect(condition(orphaned, "Ready")?.message).toMatch(/component "orders" is not deployed in environment "development"/);
  });
});
