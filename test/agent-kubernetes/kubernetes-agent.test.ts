import { afterEach, describe, expect, it } from "vitest";
import { ackOf, deployment, desiredRelease, namespace, outcomes, releaseObject, service } from "../../src/agent/agent-fixtures.js";
import type { ConnectRequest } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { objectChecksum } from "../../src/model/object-checksum.js";
import { waitUntil } from "../kube-api-double/test-client.js";
import { agentNamespace, metadataOf, startHarness, type Harness } from "./kubernetes-agent-harness.js";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function setup(): Promise<Harness> {
  harness = await startHarness();
  return harness;
}

const hello = (m: ConnectRequest) => (m.message.case === "hello" ? m.message.value : undefined);
const svc = (ns: string, name: string) => ({ apiVersion: "v1", kind: "Service", namespace: ns, name });

describe("plane agent with the kubernetes driver", () => {
  it("applies a Release by server-side apply with its field manager and ownership labels, namespaces first, and keeps its inventory in a ConfigMap", async () => {
    const { double, cp, startAgent } = await setup();
    await startAgent();
    const session = await cp.session(0);
    expect(await session.waitFor("hello", hello)).toMatchObject({ driver: "kubernetes", inventory: [] });
    const manifests = [deployment("dp-shop", "api", 2), service("dp-shop", "api"), namespace("dp-shop")];
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/shop-dev", generation: 1, objects: manifests.map(releaseObject) }) });
    const ack = await session.waitFor("ack", ackOf("org/shop-dev", 1));
    expect(outcomes(ack)).toEqual(["Deployment/api=Applied", "Namespace/dp-shop=Applied", "Service/api=Applied"]);
    expect(ack.results[0]?.ref?.kind).toBe("Namespace");

    const applies = double.requests.filter((r) => r.method === "PATCH" && r.contentType === "application/apply-patch+yaml" && !r.path.includes("/configmaps/"));
    expect(applies.map((r) => r.path).slice(0, 3)).toEqual(["/api/v1/namespaces/dp-shop", "/apis/apps/v1/namespaces/dp-shop/deployments/api", "/api/v1/namespaces/dp-shop/services/api"]);
    expect(applies.every((r) => r.query.fieldManager === "openchoreo-release-controller" && r.query.force === "true")).toBe(true);
    const stored = double.find({ apiVersion: "apps/v1", kind: "Deployment", namespace: "dp-shop", name: "api" });
    expect(stored?.spec).toMatchObject({ replicas: 2 });
    const meta = metadataOf(stored);
    expect(meta.managedFields?.map((m) => `${m.manager}:${m.operation}`)).toEqual(["openchoreo-release-controller:Apply"]);
    expect(meta.labels).toMatchObject({ "openchoreo.dev/agent": "dataplane.default", "openchoreo.dev/release-id": expect.stringMatching(/^org-shop-dev-[0-9a-f]{8}$/) });
    expect(meta.annotations).toMatchObject({ "openchoreo.dev/release-id": "org/shop-dev" });

    const inventories = double.list("v1", "ConfigMap", agentNamespace, "openchoreo.dev/inventory=true");
    expect(inventories).toHaveLength(1);
    expect(metadataOf(inventories[0]).annotations).toMatchObject({ "openchoreo.dev/release-id": "org/shop-dev" });
    expect((inventories[0]!.data as { objects: string }).objects).toContain(objectChecksum(service("dp-shop", "api")));
  });

  it("prunes objects dropped from a Release and, for a deleted Release, everything with namespaces last", async () => {
    const { double, cp, startAgent } = await setup();
    await startAgent();
    const session = await cp.session(0);
    const id = "org/p";
    session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 1, objects: [namespace("dp-p"), service("dp-p", "kept"), service("dp-p", "dropped")].map(releaseObject) }) });
    await session.waitFor("generation 1", ackOf(id, 1));
    session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 2, objects: [releaseObject(service("dp-p", "added"))], unchanged: [namespace("dp-p"), service("dp-p", "kept")] }) });
    expect(outcomes(await session.waitFor("generation 2", ackOf(id, 2)))).toEqual(["Namespace/dp-p=Unchanged", "Service/added=Applied", "Service/dropped=Pruned", "Service/kept=Unchanged"]);
    expect(double.find(svc("dp-p", "dropped"))).toBeUndefined();
    expect(double.find(svc("dp-p", "kept"))).toBeDefined();

    session.send({ case: "releaseDeletion", value: { releaseId: id, generation: 3 } });
    const deletion = await session.waitFor("deletion", ackOf(id, 3));
    expect(outcomes(deletion)).toEqual(["Namespace/dp-p=Pruned", "Service/added=Pruned", "Service/kept=Pruned"]);
    expect(deletion.results.at(-1)?.ref?.kind).toBe("Namespace");
    expect(double.find({ apiVersion: "v1", kind: "Namespace", name: "dp-p" })).toBeUndefined();
    expect(double.list("v1", "ConfigMap", agentNamespace, "openchoreo.dev/inventory=true")).toEqual([]);
  });

  it("resyncs a Release that did not change without changing anything in the cluster", async () => {
    const { double, cp, startAgent } = await setup();
    await startAgent();
    const session = await cp.session(0);
    const objects = [namespace("dp-r"), deployment("dp-r", "api", 1), service("dp-r", "api")];
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/r", generation: 1, objects: objects.map(releaseObject) }) });
    await session.waitFor("first", ackOf("org/r", 1));
    const versions = () => [double.find({ apiVersion: "v1", kind: "Namespace", name: "dp-r" }), double.find({ apiVersion: "apps/v1", kind: "Deployment", namespace: "dp-r", name: "api" }), double.find(svc("dp-r", "api"))].map((o) => metadataOf(o).resourceVersion);
    const before = versions();
    const revision = double.store.revision;
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/r", generation: 2, objects: objects.map(releaseObject) }) });
    expect(outcomes(await session.waitFor("resync", ackOf("org/r", 2)))).toEqual(["Deployment/api=Unchanged", "Namespace/dp-r=Unchanged", "Service/api=Unchanged"]);
    expect(versions()).toEqual(before);
    // Only the inventory's generation moved.
    expect(double.store.revision).toBe(revision + 1);
  });

  it("puts back an object changed or deleted behind its back within the Release interval", async () => {
    const { double, cp, startAgent } = await setup();
    await startAgent();
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/d", generation: 1, objects: [namespace("dp-d"), service("dp-d", "svc"), service("dp-d", "gone")].map(releaseObject), interval: "150ms", progressingInterval: "100ms" }) });
    await session.waitFor("applied", ackOf("org/d", 1));
    // Changed in place: a port replaced by another would be a new list item the editor owns, which the
    // agent's forced apply keeps beside its own (two unnamed ports, refused), on a cluster as on the double.
    double.controllers.drift(svc("dp-d", "svc"), (o) => void ((o.spec as { selector: Record<string, string> }).selector = { app: "elsewhere" }));
    double.controllers.remove(svc("dp-d", "gone"));
    const corrected = (name: string) => (m: ConnectRequest) => (m.message.case === "events" ? m.message.value.events.find((e) => e.reason === "DriftCorrected" && e.involved?.name === name) : undefined);
    await session.waitFor("svc corrected", corrected("svc"));
    await session.waitFor("gone re-created", corrected("gone"));
    expect(double.find(svc("dp-d", "svc"))!.spec).toMatchObject({ ports: [{ port: 80, protocol: "TCP", targetPort: 80 }], selector: { app: "svc" } });
    expect(double.find(svc("dp-d", "gone"))).toBeDefined();
    const managers = metadataOf(double.find(svc("dp-d", "svc"))).managedFields!.map((m) => m.manager);
    expect(managers).toContain("openchoreo-release-controller");
  });

  it("fails an object the cluster rejects (422) alone, with the API server's message in the ack", async () => {
    const { double, cp, startAgent } = await setup();
    double.reject((o) => (o.metadata as { name?: string }).name === "poison", "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive");
    await startAgent();
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/x", generation: 1, objects: [namespace("dp-x"), service("dp-x", "poison"), service("dp-x", "fine")].map(releaseObject) }) });
    const ack = await session.waitFor("ack", ackOf("org/x", 1));
    const byName = new Map(ack.results.map((r) => [r.ref?.name, r]));
    expect(byName.get("poison")).toMatchObject({ outcome: "Failed", message: 'Service "poison" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive' });
    expect(byName.get("fine")?.outcome).toBe("Applied");
    expect(byName.get("dp-x")?.outcome).toBe("Applied");
    expect(double.find(svc("dp-x", "poison"))).toBeUndefined();
    const warning = await session.waitFor("warning", (m) => (m.message.case === "events" ? m.message.value.events.find((e) => e.type === "Warning") : undefined));
    expect(warning).toMatchObject({ reason: "Failed", message: expect.stringContaining("is invalid") });
  });

  it("fails an object whose namespace is missing with the API server's NotFound message", async () => {
    const { cp, startAgent } = await setup();
    await startAgent();
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/n", generation: 1, objects: [releaseObject(service("dp-nowhere", "s"))] }) });
    const ack = await session.waitFor("ack", ackOf("org/n", 1));
    expect(ack.results[0]).toMatchObject({ outcome: "Failed", message: 'namespaces "dp-nowhere" not found' });
  });

  it("restarted with nothing on disk, says hello with the inventory from the cluster, prunes correctly, and removes what no inventory holds", async () => {
    const { double, cp, startAgent } = await setup();
    const first = await startAgent();
    const session = await cp.session(0);
    const id = "org/restart";
    session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 1, objects: [namespace("dp-z"), service("dp-z", "a"), service("dp-z", "b")].map(releaseObject) }) });
    await session.waitFor("applied", ackOf(id, 1));
    await first.stop();
    // What an agent killed between applying an object and writing its inventory leaves behind.
    const orphan = { ...service("dp-z", "orphan"), metadata: { name: "orphan", namespace: "dp-z", labels: { "openchoreo.dev/agent": "dataplane.default" } } };
    await fetch(`${double.url}/api/v1/namespaces/dp-z/services/orphan?fieldManager=openchoreo-release-controller&force=true`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${double.token}`, "content-type": "application/apply-patch+yaml" },
      body: JSON.stringify(orphan),
    });

    const second = await startAgent();
    const again = await (await cp.session(1)).waitFor("hello", hello);
    expect(again.inventory).toHaveLength(1);
    expect(again.inventory[0]!.objects.map((o) => [o.ref?.name, o.sha256]).sort()).toEqual(
      [["a", objectChecksum(service("dp-z", "a"))], ["b", objectChecksum(service("dp-z", "b"))], ["dp-z", objectChecksum(namespace("dp-z"))]].sort(),
    );
    expect(double.find(svc("dp-z", "orphan"))).toBeUndefined();
    expect(second.lines.some((l) => String(l.msg).includes("no inventory holds"))).toBe(true);

    const resumed = await cp.session(1);
    resumed.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 2, objects: [], unchanged: [namespace("dp-z"), service("dp-z", "a")] }) });
    expect(outcomes(await resumed.waitFor("generation 2", ackOf(id, 2)))).toEqual(["Namespace/dp-z=Unchanged", "Service/a=Unchanged", "Service/b=Pruned"]);
    expect(double.find(svc("dp-z", "b"))).toBeUndefined();
  });

  it("answers a live objects query with the objects of a kind as the cluster holds them, with their Release and health", async () => {
    const { double, cp, startAgent } = await setup();
    await startAgent();
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/l", generation: 1, objects: [namespace("dp-l"), deployment("dp-l", "api", 2), service("dp-l", "api")].map(releaseObject) }) });
    await session.waitFor("applied", ackOf("org/l", 1));
    double.controllers.markDeploymentAvailable("dp-l", "api");
    await waitUntil("the watch to see the status", () => session.received.some((m) => m.message.case === "status" && m.message.value.objects.some((o) => o.health === "Healthy" && o.ref?.kind === "Deployment")));
    session.send({ case: "liveObjectsQuery", value: { queryId: "q1", kind: "Deployment", namespace: "" } });
    const report = await session.waitFor("report", (m) => (m.message.case === "liveObjects" ? m.message.value : undefined));
    expect(report.objects).toHaveLength(1);
    expect(report.objects[0]).toMatchObject({ releaseId: "org/l", health: "Healthy" });
    expect(JSON.parse(new TextDecoder().decode(report.objects[0]!.object))).toMatchObject({ kind: "Deployment", metadata: { name: "api", uid: expect.any(String) }, status: { availableReplicas: 2 } });
  });
});
