// The stream between scripted agents and the real server: what a plane receives, what its acks and
// reports change in the store, and how sessions end.
import { toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectResponseSchema, type DesiredRelease } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { EventSchema } from "../../gen/openchoreo/model/v1alpha1/event_pb.js";
import { ReleaseSchema, type Release } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { create } from "@bufbuild/protobuf";
import { labels } from "../../src/model/index.js";
import { eventually } from "../controllers/harness.js";
import { connectAgent, type FakeAgent } from "./support/fake-agent.js";
import { configMap, startPlaneHarness, testAgentSettings, type PlaneHarness } from "./support/plane-harness.js";
import { readMetrics } from "./support/read-metrics.js";

let h: PlaneHarness;
const tokens: Record<string, string> = {};
const planes = ["east", "west", "north", "south", "silent", "acks", "folds", "big", "window", "resync", "moves", "live", "metered"];

beforeAll(async () => {
  h = await startPlaneHarness({ maxMessageBytes: 16 * 1024, maxInFlight: 2 });
  for (const name of planes) {
    await h.createDataPlane(name);
    tokens[name] = await h.register("DataPlane", name);
  }
  await h.createBuildPlane("builder");
  tokens.builder = await h.register("BuildPlane", "builder");
});
afterAll(async () => h?.stop());

const open = (name: string, inventory: { releaseId: string; generation: number; objects: { ref: object; sha256: string }[] }[] = [], kind = "DataPlane") =>
  connectAgent(h.url, tokens[name], { planeName: name, planeKind: kind, agentVersion: "test", driver: "local", capabilities: ["live-objects"], inventory: inventory as never });

/** The agent's inventory after it applied these parts, as its next Hello would carry it. */
const inventoryOf = (parts: DesiredRelease[]) => {
  const byRelease = new Map<string, { releaseId: string; generation: number; objects: { ref: object; sha256: string }[] }>();
  for (const p of parts) {
    const entry = byRelease.get(p.releaseId) ?? { releaseId: p.releaseId, generation: p.generation, objects: [] };
    entry.objects.push(...p.objects.map((o) => ({ ref: o.ref!, sha256: o.sha256 })));
    byRelease.set(p.releaseId, entry);
  }
  return [...byRelease.values()];
};

const planeAgent = async (name: string) => (await h.plane.store.get(DataPlaneSchema, { namespace: "default", name })).status?.agent;

async function closed(agent: FakeAgent) {
  agent.close();
  await agent.ended;
}

describe("delivery", () => {
  it("sends a plane its Releases only, and moves a Release whose labels change to another plane", async () => {
    await h.putRelease("east-app", "east", [configMap("east-config")]);
    await h.putRelease("west-app", "west", [configMap("west-config")]);
    const east = open("east");
    const west = open("west");
    const eastRelease = await east.waitFor("release");
    east.ack(eastRelease);
    expect(eastRelease.releaseId).toBe("default/east-app");
    expect(eastRelease).toMatchObject({ generation: 1, part: 0, partCount: 1, interval: "5m", progressingInterval: "10s" });
    expect(JSON.parse(new TextDecoder().decode(eastRelease.objects[0]!.manifest))).toEqual(configMap("east-config"));
    west.ack(await west.waitFor("release"));

    // A change to west's Release, then one to east's: when east sees its own, it has seen nothing of west's.
    await h.putRelease("west-app", "west", [configMap("west-config", "changed")]);
    await h.putRelease("east-app", "east", [configMap("east-config", "changed")]);
    east.ack(await east.waitFor("release", { where: (r) => r.generation === 2 }));
    west.ack(await west.waitFor("release", { where: (r) => r.generation === 2 }));
    const eastIds = east.all("release").map((r) => r.releaseId);
    expect(new Set(eastIds)).toEqual(new Set(["default/east-app"]));
    expect(east.all("releaseDeletion")).toEqual([]);

    // Relabelled to west: pruned on east, delivered to west.
    const from = west.received.length;
    await h.putRelease("east-app", "west", [configMap("east-config", "changed")]);
    expect((await east.waitFor("releaseDeletion")).releaseId).toBe("default/east-app");
    expect((await west.waitFor("release", { from, where: (r) => r.releaseId === "default/east-app" })).objects).toHaveLength(1);
    await Promise.all([closed(east), closed(west)]);
  });

  it("sends ReleaseDeletion when a Release is deleted", async () => {
    await h.putRelease("north-app", "north", [configMap("north-config")]);
    const agent = open("north");
    const release = await agent.waitFor("release");
    agent.ack(release);
    await h.plane.store.delete(ReleaseSchema, { namespace: "default", name: "north-app" });
    expect(await agent.waitFor("releaseDeletion")).toMatchObject({ releaseId: "default/north-app", generation: 1 });
    await closed(agent);
  });
});

describe("resync", () => {
  it("sends only what differs from the Hello's inventory, and nothing at all when nothing differs", async () => {
    await h.putRelease("resync-a", "resync", [configMap("a1", "x", 2000), configMap("a2", "x", 2000)]);
    await h.putRelease("resync-b", "resync", [configMap("b1", "x", 2000)]);
    const first = open("resync");
    const a = await first.waitFor("release", { where: (r) => r.releaseId === "default/resync-a" });
    const b = await first.waitFor("release", { where: (r) => r.releaseId === "default/resync-b" });
    first.ack(a);
    first.ack(b);
    await eventually(async () => (await h.getRelease("resync-b")).status?.appliedGeneration === 1, "resync-b applied");
    await closed(first);

    // Reconnect holding exactly that, plus a Release that no longer exists: only its deletion comes.
    const gone = { releaseId: "default/resync-gone", generation: 3, objects: [{ ref: { apiVersion: "v1", kind: "ConfigMap", namespace: "shop-dev", name: "old" }, sha256: "0".repeat(64) }] };
    const same = open("resync", [...inventoryOf([a, b]), gone]);
    await same.waitFor("welcome");
    await same.waitFor("heartbeat");
    const beforeHeartbeat = same.received.slice(0, same.received.findIndex((r) => r.message.message.case === "heartbeat"));
    expect(beforeHeartbeat.map((r) => r.message.message.case)).toEqual(["welcome", "releaseDeletion"]);
    const bytes = beforeHeartbeat.reduce((sum, r) => sum + r.bytes, 0);
    // Welcome and one deletion: no object bodies (each object alone is over 2 KB).
    expect(bytes).toBeLessThan(200);
    await closed(same);

    // One object changed while the agent was away: only it travels; the other is named unchanged.
    await h.putRelease("resync-a", "resync", [configMap("a1", "x", 2000), configMap("a2", "changed", 2000)]);
    const changed = open("resync", inventoryOf([a, b]));
    const resent = await changed.waitFor("release");
    expect(resent.releaseId).toBe("default/resync-a");
    expect(resent.generation).toBe(2);
    expect(resent.objects.map((o) => o.ref!.name)).toEqual(["a2"]);
    expect(resent.unchangedRefs.map((r) => r.name)).toEqual(["a1"]);
    await changed.waitFor("heartbeat");
    expect(changed.all("release")).toHaveLength(1);
    await closed(changed);
  });
});

describe("metrics", () => {
  it("/metrics counts per plane the messages and bytes each way, the object bodies sent, open sessions and ack latency", async () => {
    await h.putRelease("metered-app", "metered", [configMap("m1"), configMap("m2"), configMap("m3")]);
    const plane = { plane_kind: "DataPlane", plane: "default/metered" };
    const first = open("metered");
    const release = await first.waitFor("release");
    first.ack(release);
    await eventually(async () => (await h.getRelease("metered-app")).status?.appliedGeneration === 1, "metered-app applied");
    const open1 = await readMetrics(h.url);
    expect(open1.sum("choreo_plane_agent_sessions", { plane_kind: "DataPlane" })).toBeGreaterThanOrEqual(1);
    expect(open1.sum("choreo_plane_agent_sent_objects_total", plane)).toBe(3);
    expect(open1.sum("choreo_plane_agent_received_messages_total", { ...plane, message: "hello" })).toBe(1);
    expect(open1.sum("choreo_plane_agent_received_messages_total", { ...plane, message: "ack" })).toBe(1);
    expect(open1.sum("choreo_plane_agent_ack_seconds_count", { plane_kind: "DataPlane" })).toBeGreaterThanOrEqual(1);
    await closed(first);

    // The same inventory again: a second session, and not one more object body.
    const again = open("metered", inventoryOf([release]));
    await again.waitFor("heartbeat");
    await closed(again);
    const after = await readMetrics(h.url);
    expect(after.sum("choreo_plane_agent_sent_objects_total", plane)).toBe(3);
    expect(after.sum("choreo_plane_agent_sent_messages_total", { ...plane, message: "welcome" })).toBe(2);
    expect(after.sum("choreo_plane_agent_sent_messages_total", { ...plane, message: "release" })).toBe(1);
    // Every byte counted is a byte the agents received, message by message.
    const receivedBytes = [...first.received, ...again.received].reduce((sum, r) => sum + r.bytes, 0);
    expect(after.sum("choreo_plane_agent_sent_bytes_total", plane)).toBe(receivedBytes);
  });
});

describe("sessions", () => {
  it("a newer session of the plane replaces the older, which ends with Aborted", async () => {
    const older = open("south");
    const first = await older.waitFor("welcome");
    const newer = open("south");
    const second = await newer.waitFor("welcome");
    expect(second.sessionId).not.toBe(first.sessionId);
    expect((await older.ended).code).toBe(Code.Aborted);
    expect(await planeAgent("south")).toMatchObject({ connected: true, sessionId: second.sessionId });
    // The newer one is served.
    await h.putRelease("south-app", "south", [configMap("south-config")]);
    await newer.waitFor("release");
    await closed(newer);
    await eventually(async () => (await planeAgent("south"))?.connected === false, "south disconnected");
    expect((await planeAgent("south"))?.disconnectReason).toBe("stream closed");
  });

  it("a silent agent is marked disconnected within the timeout and its stream ends", async () => {
    const agent = open("silent");
    await agent.waitFor("welcome");
    expect((await planeAgent("silent"))?.connected).toBe(true);
    agent.silence();
    const silentSince = Date.now();
    expect((await agent.ended).code).toBe(Code.DeadlineExceeded);
    await eventually(async () => (await planeAgent("silent"))?.connected === false, "silent disconnected", testAgentSettings.timeoutMs * 3);
    expect(Date.now() - silentSince).toBeLessThan(testAgentSettings.timeoutMs * 3);
    expect((await planeAgent("silent"))?.disconnectReason).toBe("heartbeat timeout");
  });

  it("a plane whose agent's replica died is marked disconnected by the sweeper", async () => {
    const stale = timestampFromMs(Date.now() - testAgentSettings.timeoutMs * 2);
    const plane = await h.plane.store.get(DataPlaneSchema, { namespace: "default", name: "live" });
    plane.status = create(DataPlaneSchema.field.status.message!, {
      agent: { connected: true, sessionId: "on-a-dead-replica", connectedTime: stale, lastHeartbeatTime: stale, serverId: "gone/1" },
    }) as never;
    await h.plane.store.updateStatus(DataPlaneSchema, plane);
    await eventually(async () => (await planeAgent("live"))?.connected === false, "the dead replica's session marked disconnected");
    const after = await h.plane.store.get(DataPlaneSchema, { namespace: "default", name: "live" });
    expect(after.status?.agent).toMatchObject({ sessionId: "on-a-dead-replica", disconnectReason: "heartbeat timeout" });
  });
});

describe("acks and reports", () => {
  it("acks, status and events land in the Release, beside the release controller's conditions", async () => {
    await h.putRelease("acks-app", "acks", [configMap("good"), configMap("bad")]);

    const agent = open("acks");
    const release = await agent.waitFor("release");
    await eventually(async () => (await h.getRelease("acks-app")).status?.resources.every((r) => r.syncStatus === "Pending"), "objects pending");
    agent.ack(release, { bad: { outcome: "Failed", message: "admission webhook said no" } });
    const good = release.objects.find((o) => o.ref!.name === "good")!;
    const acked = await eventually(async () => {
      const r = await h.getRelease("acks-app");
      return r.status?.appliedGeneration === 1 ? r : undefined;
    }, "the ack recorded");
    expect(acked.status!.resources).toEqual([
      expect.objectContaining({ id: "object-0", group: "", version: "v1", kind: "ConfigMap", name: "good", namespace: "shop-dev", syncStatus: "Applied", sha256: good.sha256 }),
      expect.objectContaining({ id: "object-1", kind: "ConfigMap", name: "bad", syncStatus: "Failed", message: "admission webhook said no" }),
    ]);

    agent.send({
      case: "status",
      value: {
        releaseId: "default/acks-app",
        generation: 1,
        objects: [{ ref: good.ref, health: "Healthy", message: "applied locally", status: new TextEncoder().encode('{"phase":"Ready"}'), observedTime: timestampFromMs(Date.now()) }],
      },
    });
    agent.send({ case: "events", value: { events: [{ involved: good.ref, releaseId: "default/acks-app", type: "Warning", reason: "Drift", message: "corrected" }] } });
    // Reports about a Release of another plane are ignored.
    agent.send({ case: "status", value: { releaseId: "default/east-app", generation: 1, objects: [{ ref: good.ref, health: "Degraded" }] } });
    const healthy = await eventually(async () => {
      const r = await h.getRelease("acks-app");
      return r.status?.resources[0]?.healthStatus === "Healthy" ? r : undefined;
    }, "health recorded");
    expect(healthy.status!.resources[0]).toMatchObject({ message: "applied locally", status: { phase: "Ready" }, syncStatus: "Applied" });
    expect(healthy.status!.resources[0]!.lastObservedTime).toBeDefined();
    // The release controller's conditions survive these writes.
    expect(healthy.status!.conditions.map((c) => c.type)).toContain("Ready");
    const events = await eventually(async () => {
      const list = await h.plane.store.list(EventSchema, { namespace: "default", labelSelector: `${labels.involvedKind}=Release,${labels.involvedName}=acks-app` });
      return list.items.length > 0 ? list.items : undefined;
    }, "the event recorded");
    expect(events[0]!.spec).toMatchObject({ type: "Warning", reason: "Drift", message: "ConfigMap shop-dev/good: corrected" });
    await closed(agent);
  });

  it("records an ack's sync state and the Release's conditions in one change, and one report's events of a kind as one Event", async () => {
    await h.putRelease("folds-app", "folds", [configMap("one"), configMap("two"), configMap("three")]);
    const changes: Release[] = [];
    const stop = new AbortController();
    const watching = (async () => {
      for await (const event of h.plane.store.watch(ReleaseSchema, { namespace: "default", signal: stop.signal })) {
        if (event.object?.metadata?.name === "folds-app") changes.push(event.object);
      }
    })().catch(() => {});
    const agent = open("folds");
    const release = await agent.waitFor("release");
    agent.ack(release);
    await eventually(async () => (await h.getRelease("folds-app")).status?.appliedGeneration === 1, "the ack recorded");
    // No watcher sees the applied generation while Synced still says Applying: one write carries both.
    const applied = await eventually(async () => changes.find((r) => r.status?.appliedGeneration === 1), "the ack seen by a watcher");
    expect(applied.status!.conditions.find((c) => c.type === "Synced")).toMatchObject({ status: "True", reason: "Applied" });
    stop.abort();
    await watching;

    const refs = release.objects.map((o) => o.ref!);
    agent.send({
      case: "events",
      value: {
        events: [
          ...refs.map((ref) => ({ involved: ref, releaseId: "default/folds-app", type: "Normal", reason: "Applied", message: `applied ${ref.name}` })),
          { involved: refs[0], releaseId: "default/folds-app", type: "Warning", reason: "Failed", message: "prune: forbidden" },
        ],
      },
    });
    const events = await eventually(async () => {
      const list = await h.plane.store.list(EventSchema, { namespace: "default", labelSelector: `${labels.involvedKind}=Release,${labels.involvedName}=folds-app` });
      return list.items.length >= 2 ? list.items : undefined;
    }, "the events recorded");
    const byReason = Object.fromEntries(events.map((e) => [e.spec!.reason, e.spec]));
    expect(events).toHaveLength(2);
    expect(byReason.Applied).toMatchObject({
      type: "Normal",
      message: "ConfigMap shop-dev/one: applied one; ConfigMap shop-dev/two: applied two; ConfigMap shop-dev/three: applied three",
    });
    expect(byReason.Failed).toMatchObject({ type: "Warning", message: "ConfigMap shop-dev/one: prune: forbidden" });
    await closed(agent);
  });

  it("splits a Release larger than the message limit into parts, and fails an object too large for any alone", async () => {
    const objects = Array.from({ length: 10 }, (_, i) => configMap(`big-${i}`, "x", 5000));
    objects.push(configMap("huge", "x", 20_000));
    await h.putRelease("big-app", "big", objects);
    const agent = open("big");
    const first = await agent.waitFor("release");
    expect(first.partCount).toBeGreaterThanOrEqual(4);
    // All parts go together, even past the window of 2: the agent applies only once it has them all.
    for (let part = 1; part < first.partCount; part++) await agent.waitFor("release", { where: (r) => r.part === part });
    const parts = agent.all("release");
    expect(parts.map((p) => p.part)).toEqual([...Array(first.partCount).keys()]);
    for (const p of parts) {
      expect(p.partCount).toBe(first.partCount);
      expect(toBinary(ConnectResponseSchema, { $typeName: "openchoreo.agent.v1alpha1.ConnectResponse", message: { case: "release", value: p } }).length).toBeLessThanOrEqual(16 * 1024);
    }
    expect(parts.flatMap((p) => p.objects.map((o) => o.ref!.name)).sort()).toEqual(objects.slice(0, 10).map((o) => (o.metadata as { name: string }).name).sort());
    for (const p of parts) agent.ack(p);
    const status = await eventually(async () => {
      const r = await h.getRelease("big-app");
      return r.status?.appliedGeneration === 1 ? r.status : undefined;
    }, "all parts acked");
    expect(status.resources.filter((r) => r.syncStatus === "Applied")).toHaveLength(10);
    expect(status.resources.find((r) => r.name === "huge")).toMatchObject({ syncStatus: "Failed", message: expect.stringMatching(/does not fit the agent message limit of 16384 bytes/) });
    await closed(agent);
  });

  it("holds parts back while the in-flight window is full, and sends more as acks come", async () => {
    for (let i = 0; i < 5; i++) await h.putRelease(`window-${i}`, "window", [configMap(`w-${i}`)]);
    const agent = open("window");
    await agent.waitFor("release");
    await agent.waitFor("release", { from: 2 });
    // The window (2) is full: by the next heartbeat nothing more has come.
    await agent.waitFor("heartbeat");
    expect(agent.all("release")).toHaveLength(2);
    const [one, two] = agent.all("release");
    agent.ack(one!);
    await eventually(async () => agent.all("release").length === 3, "a third release after one ack");
    const seen = agent.received.length;
    await agent.waitFor("heartbeat", { from: seen });
    expect(agent.all("release")).toHaveLength(3);
    agent.ack(two!);
    let acked = 2;
    while (acked < 5) {
      await eventually(async () => agent.all("release").length > acked, "another release once acks free the window");
      for (const r of agent.all("release").slice(acked)) {
        agent.ack(r);
        acked++;
      }
    }
    expect(new Set(agent.all("release").map((r) => r.releaseId)).size).toBe(5);
    await closed(agent);
  });
});

describe("live objects and build logs", () => {
  it("ListDataPlaneObjects asks the connected agent, and falls back to the last known state without one", async () => {
    await h.putRelease("live-app", "live", [configMap("live-config"), { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop-dev" }, spec: {} }]);
    const agent = open("live");
    agent.ack(await agent.waitFor("release"));
    const listing = h.dataPlanes.listDataPlaneObjects({ namespace: "default", name: "live", kind: "Deployment" });
    const query = await agent.waitFor("liveObjectsQuery");
    expect(query.kind).toBe("Deployment");
    const live = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop-dev" }, status: { readyReplicas: 1 } };
    const other = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "live-config", namespace: "shop-dev" } };
    agent.send({
      case: "liveObjects",
      value: {
        queryId: query.queryId,
        objects: [live, other].map((o) => ({ releaseId: "default/live-app", object: new TextEncoder().encode(JSON.stringify(o)), health: "Healthy" })),
      },
    });
    const answered = await listing;
    expect(answered.agentConnected).toBe(true);
    expect(answered.objects.map((o) => ({ object: o.object, release: o.release, health: o.health }))).toEqual([{ object: live, release: "default/live-app", health: "Healthy" }]);
    await closed(agent);

    const known = await h.dataPlanes.listDataPlaneObjects({ namespace: "default", name: "live" });
    expect(known.agentConnected).toBe(false);
    expect(known.objects.map((o) => `${o.object!.kind}/${(o.object!.metadata as { name: string }).name}`).sort()).toEqual(["ConfigMap/live-config", "Deployment/web"]);
    await expect(h.dataPlanes.listDataPlaneObjects({ namespace: "default", name: "nowhere" })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("log chunks of a build plane go to the log store once, by offset; a data plane's are dropped", async () => {
    const agent = open("builder", [], "BuildPlane");
    await agent.waitFor("welcome");
    const bytes = (text: string) => new TextEncoder().encode(text);
    agent.send({ case: "log", value: { buildId: "default/build-1", step: "clone", offset: 0, data: bytes("cloning\n") } });
    // Resent after a reconnect: already held, dropped.
    agent.send({ case: "log", value: { buildId: "default/build-1", step: "clone", offset: 0, data: bytes("cloning\n") } });
    agent.send({ case: "log", value: { buildId: "default/build-1", step: "build", offset: 8, data: bytes("building\n"), eof: true } });
    // Another organization's build is not this plane's to write.
    agent.send({ case: "log", value: { buildId: "acme/build-1", offset: 0, data: bytes("intruder") } });
    const read = await eventually(async () => {
      const r = await h.plane.logStore.read("default/build-1");
      return r.complete ? r : undefined;
    }, "the log complete");
    expect(Buffer.concat(read.chunks.map((c) => c.data)).toString()).toBe("cloning\nbuilding\n");
    expect((await h.plane.logStore.read("acme/build-1")).chunks).toEqual([]);

    const dataPlane = open("north");
    await dataPlane.waitFor("welcome");
    dataPlane.send({ case: "log", value: { buildId: "default/build-2", offset: 0, data: bytes("nope") } });
    await dataPlane.waitFor("heartbeat");
    expect((await h.plane.logStore.read("default/build-2")).chunks).toEqual([]);
    await Promise.all([closed(agent), closed(dataPlane)]);
  });
});
