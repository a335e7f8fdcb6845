import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { captureLogger } from "../../test/support/capture-logger.js";
import { objectChecksum } from "../model/object-checksum.js";
import { ackOf, clusterAdminBinding, cronJob, deployment, desiredRelease, namespace, outcomes, podAsking, releaseObject, service, statusJson, statusOf } from "./agent-fixtures.js";
import { createLocalDriver } from "./local-driver.js";
import { createPlaneAgent, type PlaneAgent } from "./plane-agent.js";
import { createPlaneGuard, type PlaneGuard } from "./plane-guard.js";
import { startScriptedControlPlane, type ScriptedControlPlane, type ScriptedControlPlaneOptions } from "./scripted-control-plane.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function controlPlane(options?: ScriptedControlPlaneOptions): Promise<ScriptedControlPlane> {
  const cp = await startScriptedControlPlane(options);
  cleanups.push(() => cp.close());
  return cp;
}

interface AgentOptions {
  simulate?: boolean;
  credential?: () => Promise<string>;
  random?: () => number;
  stableSessionMs?: number;
  guard?: PlaneGuard;
}

async function startAgent(cp: ScriptedControlPlane, dir: string, options: AgentOptions = {}) {
  const { logger, lines } = captureLogger();
  const driver = createLocalDriver({ dir, simulate: options.simulate ?? true, readyDelayMs: 50, logger });
  const agent = createPlaneAgent({
    server: cp.url,
    planeName: "default",
    planeKind: "DataPlane",
    agentVersion: "9.9.9",
    credential: options.credential ?? (async () => "token-1"),
    driver,
    ...(options.guard ? { guard: options.guard } : {}),
    logger,
    reconnect: { initialMs: 200, maxMs: 1000, random: options.random ?? (() => 0.5), ...(options.stableSessionMs === undefined ? {} : { stableSessionMs: options.stableSessionMs }) },
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await agent.stop();
  };
  cleanups.push(stop);
  await agent.start();
  return { agent: agent as PlaneAgent, lines, stop };
}

const objectFile = (dir: string, ns: string, apiVersion: string, kind: string, name: string) =>
  join(dir, "objects", ns, apiVersion.replace("/", "_"), kind, `${name}.yaml`);

describe("plane agent", () => {
  it("says hello, applies a release with one result per object, and after a restart says hello with its inventory and checksums", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    const first = await startAgent(cp, dir);
    const session = await cp.session(0);
    const hello = await session.waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
    expect(session.authorization).toBe("Bearer token-1");
    expect(hello).toMatchObject({ planeName: "default", planeKind: "DataPlane", agentVersion: "9.9.9", driver: "local", inventory: [] });
    expect(hello.capabilities).toContain("simulation");

    const manifests = [deployment("dp-shop", "api", 2), service("dp-shop", "api"), namespace("dp-shop")];
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/shop-dev", generation: 1, objects: manifests.map(releaseObject) }) });
    const ack = await session.waitFor("ack of generation 1", ackOf("org/shop-dev", 1));
    expect(outcomes(ack)).toEqual(["Deployment/api=Applied", "Namespace/dp-shop=Applied", "Service/api=Applied"]);
    // Namespaces are applied before what lives in them.
    expect(ack.results[0]?.ref?.kind).toBe("Namespace");
    expect(ack.results.find((r) => r.ref?.kind === "Service")?.sha256).toBe(objectChecksum(service("dp-shop", "api")));
    expect(parse(readFileSync(objectFile(dir, "dp-shop", "apps/v1", "Deployment", "api"), "utf8"))).toEqual(deployment("dp-shop", "api", 2));
    expect(existsSync(objectFile(dir, "_cluster", "v1", "Namespace", "dp-shop"))).toBe(true);
    const events = await session.waitFor("events", (m) => (m.message.case === "events" ? m.message.value.events : undefined));
    expect(events.map((e) => `${e.type} ${e.reason} ${e.involved?.name}`).sort()).toEqual(["Normal Applied api", "Normal Applied api", "Normal Applied dp-shop"]);

    await first.stop();
    await startAgent(cp, dir);
    const again = await (await cp.session(1)).waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
    expect(again.inventory).toHaveLength(1);
    expect(again.inventory[0]).toMatchObject({ releaseId: "org/shop-dev", generation: 1 });
    expect(
      again.inventory[0]!.objects.map((o) => [o.ref?.kind, o.ref?.namespace, o.ref?.name, o.sha256]).sort(),
    ).toEqual(manifests.map((m) => [m.kind, (m.metadata as { namespace?: string }).namespace ?? "", (m.metadata as { name: string }).name, objectChecksum(m)]).sort());
  });

  it("a repeated generation changes nothing and reports every object Unchanged", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    await startAgent(cp, dir);
    const session = await cp.session(0);
    const release = desiredRelease({ releaseId: "org/r", generation: 3, objects: [releaseObject(service("dp-a", "s"))] });
    session.send({ case: "release", value: release });
    expect(outcomes(await session.waitFor("first ack", ackOf("org/r", 3)))).toEqual(["Service/s=Applied"]);
    const written = statSync(objectFile(dir, "dp-a", "v1", "Service", "s")).mtimeMs;
    session.send({ case: "release", value: release });
    await session.waitFor("an ack saying Unchanged", (m) => {
      const ack = ackOf("org/r", 3)(m);
      return ack && outcomes(ack).join() === "Service/s=Unchanged" ? ack : undefined;
    });
    expect(statSync(objectFile(dir, "dp-a", "v1", "Service", "s")).mtimeMs).toBe(written);
  });

  it("collects the parts of a generation, keeps unchanged_refs, and prunes what no part names once all parts are there", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    await startAgent(cp, dir);
    const session = await cp.session(0);
    const id = "org/parts";
    session.send({
      case: "release",
      value: desiredRelease({ releaseId: id, generation: 1, objects: [service("dp-a", "kept"), service("dp-a", "changed"), service("dp-a", "dropped")].map(releaseObject) }),
    });
    await session.waitFor("generation 1", ackOf(id, 1));

    session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 2, part: 0, partCount: 2, objects: [releaseObject(service("dp-a", "changed", 8080))], unchanged: [service("dp-a", "kept")] }) });
    // The stream is handled in order: the answer to this query shows the state after part 0 alone.
    session.send({ case: "liveObjectsQuery", value: { queryId: "after-part-0", kind: "Service", namespace: "dp-a" } });
    const live = await session.waitFor("live objects", (m) => (m.message.case === "liveObjects" && m.message.value.queryId === "after-part-0" ? m.message.value : undefined));
    expect(live.objects.map((o) => JSON.parse(new TextDecoder().decode(o.object)).metadata.name).sort()).toEqual(["changed", "dropped", "kept"]);
    expect(session.received.some(ackOf(id, 2, 0))).toBe(false);

    session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 2, part: 1, partCount: 2, objects: [releaseObject(service("dp-a", "added"))] }) });
    const ack0 = await session.waitFor("ack of part 0", ackOf(id, 2, 0));
    const ack1 = await session.waitFor("ack of part 1", ackOf(id, 2, 1));
    expect(outcomes(ack0)).toEqual(["Service/changed=Applied", "Service/kept=Unchanged"]);
    expect(outcomes(ack1)).toEqual(["Service/added=Applied", "Service/dropped=Pruned"]);
    expect(existsSync(objectFile(dir, "dp-a", "v1", "Service", "dropped"))).toBe(false);
    expect(existsSync(objectFile(dir, "dp-a", "v1", "Service", "kept"))).toBe(true);
    expect(parse(readFileSync(objectFile(dir, "dp-a", "v1", "Service", "changed"), "utf8")).spec.ports[0].port).toBe(8080);
  });

  it("applies and acks parts early when the in-flight window is full, and prunes only when the last part arrives", async () => {
    const cp = await controlPlane({ welcome: { sessionId: "w", heartbeatIntervalSeconds: 30, maxInFlight: 2, maxMessageBytes: 1 << 20 } });
    const dir = tempDir();
    await startAgent(cp, dir);
    const session = await cp.session(0);
    const id = "org/window";
    session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 1, objects: [releaseObject(service("dp-w", "old"))] }) });
    await session.waitFor("generation 1", ackOf(id, 1));
    for (const part of [0, 1]) {
      session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 2, part, partCount: 3, objects: [releaseObject(service("dp-w", `p${part}`))] }) });
    }
    expect(outcomes(await session.waitFor("part 0", ackOf(id, 2, 0)))).toEqual(["Service/p0=Applied"]);
    expect(outcomes(await session.waitFor("part 1", ackOf(id, 2, 1)))).toEqual(["Service/p1=Applied"]);
    expect(existsSync(objectFile(dir, "dp-w", "v1", "Service", "old"))).toBe(true);
    session.send({ case: "release", value: desiredRelease({ releaseId: id, generation: 2, part: 2, partCount: 3, objects: [releaseObject(service("dp-w", "p2"))] }) });
    expect(outcomes(await session.waitFor("part 2", ackOf(id, 2, 2)))).toEqual(["Service/old=Pruned", "Service/p2=Applied"]);
    expect(existsSync(objectFile(dir, "dp-w", "v1", "Service", "old"))).toBe(false);
  });

  it("fails a poisoned object alone, with its reason, and applies the others", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    await startAgent(cp, dir);
    const session = await cp.session(0);
    const good = releaseObject(service("dp-p", "good"));
    const notJson = { ...releaseObject(service("dp-p", "not-json")), manifest: new TextEncoder().encode("{ not json") };
    const tampered = { ...releaseObject(service("dp-p", "tampered")), sha256: "0".repeat(64) };
    const escape = { ...service("dp-p", "x"), metadata: { name: "../../escape", namespace: "dp-p" } };
    const badName = { ...good, ref: { ...good.ref!, name: "../../escape" }, manifest: new TextEncoder().encode(JSON.stringify(escape)), sha256: objectChecksum(escape) };
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/p", generation: 1, objects: [notJson, good, tampered, badName] }) });
    const ack = await session.waitFor("ack", ackOf("org/p", 1));
    const byName = new Map(ack.results.map((r) => [r.ref?.name, r]));
    expect(byName.get("good")?.outcome).toBe("Applied");
    expect(byName.get("not-json")).toMatchObject({ outcome: "Failed", message: expect.stringContaining("manifest: not UTF-8 JSON") });
    expect(byName.get("tampered")).toMatchObject({ outcome: "Failed", message: expect.stringContaining("sha256: 000") });
    expect(byName.get("../../escape")).toMatchObject({ outcome: "Failed", message: expect.stringContaining("metadata.name") });
    expect(existsSync(objectFile(dir, "dp-p", "v1", "Service", "good"))).toBe(true);
    expect(existsSync(objectFile(dir, "dp-p", "v1", "Service", "tampered"))).toBe(false);
    const warning = await session.waitFor("warning", (m) => (m.message.case === "events" ? m.message.value.events.find((e) => e.type === "Warning") : undefined));
    expect(warning).toMatchObject({ reason: "Failed", releaseId: "org/p" });
  });

  it("refuses what its plane may not receive (cluster-admin binding, kube-system, a privileged Deployment) as Refused with the reason, and applies the rest", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    await startAgent(cp, dir);
    const session = await cp.session(0);
    const privileged = podAsking("dp-shop", "root", {}, { securityContext: { privileged: true } });
    const objects = [namespace("dp-shop"), deployment("dp-shop", "api", 1), clusterAdminBinding("dp-shop"), service("kube-system", "dns"), privileged];
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/mixed", generation: 1, objects: objects.map(releaseObject) }) });
    const ack = await session.waitFor("ack", ackOf("org/mixed", 1));
    expect(outcomes(ack)).toEqual(["ClusterRoleBinding/take-over=Refused", "Deployment/api=Applied", "Deployment/root=Refused", "Namespace/dp-shop=Applied", "Service/dns=Refused"]);
    const byName = new Map(ack.results.map((r) => [r.ref?.name, r]));
    expect(byName.get("take-over")?.message).toMatch(/^kind: an agent never applies a ClusterRoleBinding/);
    expect(byName.get("dns")?.message).toBe("metadata.namespace: kube-system is never written by an agent");
    expect(byName.get("root")?.message).toBe("pod security (baseline): spec.template.spec.containers[0].securityContext.privileged: privileged containers are not allowed");
    expect(byName.get("root")?.sha256).toBe(objectChecksum(privileged));
    // Nothing refused reached the plane, nor its inventory.
    expect(existsSync(join(dir, "objects", "_cluster", "rbac.authorization.k8s.io_v1"))).toBe(false);
    expect(existsSync(join(dir, "objects", "kube-system"))).toBe(false);
    expect(existsSync(objectFile(dir, "dp-shop", "apps/v1", "Deployment", "root"))).toBe(false);
    expect(existsSync(objectFile(dir, "dp-shop", "apps/v1", "Deployment", "api"))).toBe(true);
    const refusals = await session.waitFor("refusal events", (m) => {
      const found = m.message.case === "events" ? m.message.value.events.filter((e) => e.reason === "Refused") : [];
      return found.length ? found : undefined;
    });
    expect(refusals.map((e) => `${e.type} ${e.involved?.name}`).sort()).toEqual(["Warning dns", "Warning root", "Warning take-over"]);

    // A change the guard refuses leaves what was applied before in place, neither replaced nor pruned.
    const escalated = podAsking("dp-shop", "api", { hostNetwork: true });
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/mixed", generation: 2, objects: [releaseObject(escalated)], unchanged: [namespace("dp-shop")] }) });
    const second = await session.waitFor("second ack", ackOf("org/mixed", 2));
    expect(outcomes(second)).toEqual(["Deployment/api=Refused", "Namespace/dp-shop=Unchanged"]);
    expect(parse(readFileSync(objectFile(dir, "dp-shop", "apps/v1", "Deployment", "api"), "utf8"))).toEqual(deployment("dp-shop", "api", 1));
  });

  it("checks what it holds against its guard again: after a restart with narrower limits, an unchanged object outside them is Refused", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    const first = await startAgent(cp, dir);
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/narrow", generation: 1, objects: [releaseObject(service("dp-team-b", "api"))] }) });
    expect(outcomes(await session.waitFor("ack", ackOf("org/narrow", 1)))).toEqual(["Service/api=Applied"]);
    await first.stop();

    await startAgent(cp, dir, { guard: createPlaneGuard({ planeKind: "DataPlane", namespacePrefixes: ["dp-team-a-"] }) });
    const resync = await cp.session(1);
    await resync.waitFor("hello", (m) => m.message.case === "hello" || undefined);
    resync.send({ case: "release", value: desiredRelease({ releaseId: "org/narrow", generation: 1, unchanged: [service("dp-team-b", "api")] }) });
    const ack = await resync.waitFor("resync ack", ackOf("org/narrow", 1));
    expect(outcomes(ack)).toEqual(["Service/api=Refused"]);
    expect(ack.results[0]?.message).toContain("dp-team-b is not a namespace of this DataPlane");
  });

  it("prunes everything of a deleted Release, namespaces last, and forgets it", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    const first = await startAgent(cp, dir);
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/gone", generation: 1, objects: [namespace("dp-g"), service("dp-g", "s"), deployment("dp-g", "d")].map(releaseObject) }) });
    await session.waitFor("applied", ackOf("org/gone", 1));
    session.send({ case: "releaseDeletion", value: { releaseId: "org/gone", generation: 2 } });
    const ack = await session.waitFor("deletion ack", ackOf("org/gone", 2));
    expect(outcomes(ack)).toEqual(["Deployment/d=Pruned", "Namespace/dp-g=Pruned", "Service/s=Pruned"]);
    expect(ack.results.at(-1)?.ref?.kind).toBe("Namespace");
    expect(existsSync(objectFile(dir, "dp-g", "v1", "Service", "s"))).toBe(false);
    expect(existsSync(objectFile(dir, "_cluster", "v1", "Namespace", "dp-g"))).toBe(false);
    await first.stop();
    await startAgent(cp, dir);
    expect((await (await cp.session(1)).waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined))).inventory).toEqual([]);
  });

  it("reports a simulated Deployment Progressing, then Healthy with its replicas available, and other objects Healthy once applied", async () => {
    const cp = await controlPlane();
    await startAgent(cp, tempDir());
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/h", generation: 4, objects: [deployment("dp-h", "web", 3), service("dp-h", "web")].map(releaseObject) }) });
    const progressing = await session.waitFor("Progressing", statusOf("Deployment", "web", "Progressing"));
    expect(progressing.message).toContain("Simulated");
    const healthy = await session.waitFor("Healthy", statusOf("Deployment", "web", "Healthy"));
    expect(healthy.message).toContain("Simulated");
    expect(statusJson(healthy)).toMatchObject({
      reason: "Simulated",
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [{ type: "Available", status: "True", reason: "Simulated" }],
    });
    const serviceStatus = await session.waitFor("Service Healthy", statusOf("Service", "web", "Healthy"));
    expect(serviceStatus.message).toBe("applied locally");
    const report = await session.waitFor("status report", (m) => (m.message.case === "status" ? m.message.value : undefined));
    expect(report).toMatchObject({ releaseId: "org/h", generation: 4 });
  });

  it("reports Suspended for a Deployment scaled to 0 and a suspended CronJob", async () => {
    const cp = await controlPlane();
    await startAgent(cp, tempDir());
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/s", generation: 1, objects: [deployment("dp-s", "idle", 0), cronJob("dp-s", "nightly", true), cronJob("dp-s", "hourly", false)].map(releaseObject) }) });
    expect((await session.waitFor("idle", statusOf("Deployment", "idle", "Suspended"))).message).toContain("Simulated");
    expect(statusJson(await session.waitFor("nightly", statusOf("CronJob", "nightly", "Suspended")))).toMatchObject({ suspend: true, schedule: "*/5 * * * *" });
    expect((await session.waitFor("hourly", statusOf("CronJob", "hourly", "Healthy"))).message).toContain("Simulated");
  });

  it("without simulation reports workloads Unknown with NoRuntime and the rest Healthy", async () => {
    const cp = await controlPlane();
    await startAgent(cp, tempDir(), { simulate: false });
    const session = await cp.session(0);
    const hello = await session.waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
    expect(hello.capabilities).not.toContain("simulation");
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/n", generation: 1, objects: [deployment("dp-n", "api", 2), cronJob("dp-n", "job", false), service("dp-n", "api")].map(releaseObject) }) });
    const api = await session.waitFor("Deployment Unknown", statusOf("Deployment", "api", "Unknown"));
    expect(api.message).toContain("NoRuntime");
    expect(statusJson(api)).toMatchObject({ reason: "NoRuntime" });
    expect((await session.waitFor("CronJob Unknown", statusOf("CronJob", "job", "Unknown"))).message).toContain("NoRuntime");
    await session.waitFor("Service Healthy", statusOf("Service", "api", "Healthy"));
  });

  it("reconnects with jittered exponential backoff when the stream drops, and says hello again", async () => {
    const cp = await controlPlane();
    const { lines } = await startAgent(cp, tempDir(), { random: () => 0.5 });
    const first = await cp.session(0);
    await first.waitFor("hello", (m) => m.message.case === "hello" || undefined);
    first.end(new ConnectError("control plane going away", Code.Unavailable));
    const second = await cp.session(1);
    await second.waitFor("hello again", (m) => m.message.case === "hello" || undefined);
    second.end(new ConnectError("newer session", Code.Aborted));
    await (await cp.session(2)).waitFor("third hello", (m) => m.message.case === "hello" || undefined);
    const ends = lines.filter((l) => typeof l.retryInMs === "number");
    // Half of a ceiling that starts at 200 ms and doubles: the sessions were too short to reset it.
    expect(ends.map((l) => [l.code, l.retryInMs])).toEqual([
      ["Unavailable", 100],
      ["Aborted", 200],
    ]);
    expect(ends[1]?.msg).toContain("replaced by a newer session");
  });

  it("starts the backoff over after a session that lasted", async () => {
    const cp = await controlPlane();
    // Every welcomed session counts as lasting: the delay never grows.
    const { lines } = await startAgent(cp, tempDir(), { stableSessionMs: 0 });
    for (const index of [0, 1]) {
      const session = await cp.session(index);
      await session.waitFor("hello", (m) => m.message.case === "hello" || undefined);
      session.end(new ConnectError("restarting", Code.Unavailable));
    }
    await cp.session(2);
    expect(lines.filter((l) => typeof l.retryInMs === "number").map((l) => l.retryInMs)).toEqual([100, 100]);
  });

  it("reconnects to a control plane restarted on the same address and says hello with what it holds", async () => {
    const before = await startScriptedControlPlane();
    const dir = tempDir();
    await startAgent(before, dir);
    const session = await before.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/kept", generation: 2, objects: [releaseObject(service("dp-k", "svc"))] }) });
    await session.waitFor("applied", ackOf("org/kept", 2));
    await before.close();
    const after = await controlPlane({ port: Number(new URL(before.url).port) });
    const hello = await (await after.session(0)).waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
    expect(hello.inventory.map((r) => [r.releaseId, r.generation, r.objects.length])).toEqual([["org/kept", 2, 1]]);
  });

  it("logs a refused credential as an error on every attempt, keeps retrying, and connects once the credential is good", async () => {
    const cp = await controlPlane({
      authenticate: (authorization) => (authorization === "Bearer good" ? undefined : new ConnectError("credential revoked", Code.Unauthenticated)),
    });
    let token = "revoked";
    const { lines } = await startAgent(cp, tempDir(), { credential: async () => token });
    const refusals = () => lines.filter((l) => l.code === "Unauthenticated" && l.level === 50);
    await waitUntil("two refusals", () => refusals().length >= 2);
    expect(refusals()[0]?.msg).toContain("refused the credential");
    expect(cp.sessions).toHaveLength(0);
    token = "good";
    const session = await cp.session(0);
    expect(session.authorization).toBe("Bearer good");
  });

  it("puts back an object changed or removed behind its back, on the Release's interval", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    await startAgent(cp, dir);
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/d", generation: 1, objects: [releaseObject(service("dp-d", "svc"))], interval: "150ms", progressingInterval: "100ms" }) });
    await session.waitFor("applied", ackOf("org/d", 1));
    const file = objectFile(dir, "dp-d", "v1", "Service", "svc");
    rmSync(file);
    const corrected = await session.waitFor("drift corrected", (m) =>
      m.message.case === "events" ? m.message.value.events.find((e) => e.reason === "DriftCorrected") : undefined,
    );
    expect(corrected.involved?.name).toBe("svc");
    expect(parse(readFileSync(file, "utf8"))).toEqual(service("dp-d", "svc"));
  });

  it("answers a live objects query with the objects of that kind, their Release, status and health", async () => {
    const cp = await controlPlane();
    await startAgent(cp, tempDir());
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/l", generation: 1, objects: [deployment("dp-l", "api", 0), service("dp-l", "api")].map(releaseObject) }) });
    await session.waitFor("applied", ackOf("org/l", 1));
    session.send({ case: "liveObjectsQuery", value: { queryId: "q1", kind: "Deployment", namespace: "" } });
    const report = await session.waitFor("report", (m) => (m.message.case === "liveObjects" ? m.message.value : undefined));
    expect(report.queryId).toBe("q1");
    expect(report.objects).toHaveLength(1);
    expect(report.objects[0]).toMatchObject({ releaseId: "org/l", health: "Suspended" });
    expect(JSON.parse(new TextDecoder().decode(report.objects[0]!.object))).toMatchObject({ kind: "Deployment", status: { replicas: 0 } });
  });

  it("sends heartbeats at the interval the Welcome asks for", async () => {
    const cp = await controlPlane({ welcome: { sessionId: "hb", heartbeatIntervalSeconds: 1, maxInFlight: 8, maxMessageBytes: 1 << 20 } });
    await startAgent(cp, tempDir());
    const session = await cp.session(0);
    const heartbeat = await session.waitFor("heartbeat", (m) => (m.message.case === "heartbeat" ? m.message.value : undefined), 5000);
    expect(heartbeat.sequence).toBe(1);
    expect(heartbeat.sentTime).toBeDefined();
  });

  it("drops a stream on which the control plane stays silent for three heartbeat intervals, and reconnects", async () => {
    const cp = await controlPlane({ welcome: { sessionId: "quiet", heartbeatIntervalSeconds: 1, maxInFlight: 8, maxMessageBytes: 1 << 20 } });
    const { lines } = await startAgent(cp, tempDir());
    await (await cp.session(0)).waitFor("hello", (m) => m.message.case === "hello" || undefined);
    await (await cp.session(1, 15_000)).waitFor("hello on a new stream", (m) => m.message.case === "hello" || undefined);
    expect(lines.find((l) => String(l.msg).includes("went silent"))).toMatchObject({ level: 40 });
  });

  it("after a crash between writing an object and writing the inventory, removes the orphan on start and reports only what the inventory holds", async () => {
    const cp = await controlPlane();
    const dir = tempDir();
    const first = await startAgent(cp, dir);
    const session = await cp.session(0);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/c", generation: 1, objects: [releaseObject(service("dp-c", "held"))] }) });
    await session.waitFor("applied", ackOf("org/c", 1));
    await first.stop();
    // What a SIGKILL after the object write and before the inventory write leaves: the object file
    // exists, the inventory does not name it (and a temporary file of an interrupted write).
    const orphan = objectFile(dir, "dp-c", "v1", "Service", "orphan");
    mkdirSync(join(orphan, ".."), { recursive: true });
    writeFileSync(orphan, "apiVersion: v1\nkind: Service\nmetadata: {name: orphan, namespace: c}\n");
    writeFileSync(`${orphan}.1a2b3c4d.partial`, "apiVersion: v1\nkind: Serv");

    const { lines } = await startAgent(cp, dir);
    const hello = await (await cp.session(1)).waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(`${orphan}.1a2b3c4d.partial`)).toBe(false);
    expect(existsSync(objectFile(dir, "dp-c", "v1", "Service", "held"))).toBe(true);
    expect(hello.inventory.flatMap((r) => r.objects.map((o) => o.ref?.name))).toEqual(["held"]);
    expect(lines.some((l) => String(l.msg).includes("no inventory holds"))).toBe(true);
  });
});

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
