import { afterEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "../../test/kube-api-double/index.js";
import { waitUntil } from "../../test/kube-api-double/test-client.js";
import { captureLogger } from "../../test/support/capture-logger.js";
import type { JsonObject } from "../model/json.js";
import type { ContainerLogLine, ContainerLogQuery, PlaneDriver } from "./driver.js";
import { createKubernetesDriver } from "./kubernetes-driver.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ns = "dp-acme-shop-development-1a2b3c4d";
/** The labels src/render puts on a component's pods (and on its Deployment, CronJob and their Jobs). */
const scope = { "openchoreo.dev/organization": "acme", "openchoreo.dev/project": "shop", "openchoreo.dev/environment": "development", "openchoreo.dev/component": "greeter" };
const podSpec = { containers: [{ name: "main", image: "greeter:1" }, { name: "proxy", image: "envoy:1" }] };

const deployment = (replicas = 2): JsonObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "greeter-1a2b3c4d", namespace: ns, labels: scope },
  spec: { replicas, selector: { matchLabels: scope }, template: { metadata: { labels: scope }, spec: podSpec } },
});

const cronJob: JsonObject = {
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "report-1a2b3c4d", namespace: ns, labels: { ...scope, "openchoreo.dev/component": "report" } },
  spec: {
    schedule: "*/5 * * * *",
    jobTemplate: { metadata: { labels: { ...scope, "openchoreo.dev/component": "report" } }, spec: { template: { metadata: { labels: { ...scope, "openchoreo.dev/component": "report" } }, spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "report:1" }] } } } },
  },
};

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
const query = (init: Partial<ContainerLogQuery> = {}): ContainerLogQuery => ({ namespace: ns, selector: scope, pod: "", container: "", follow: false, timestamps: false, ...init });
const shown = (lines: readonly ContainerLogLine[]) => lines.map((l) => `${l.pod}/${l.container}: ${l.text}`);

/** A log sink that records what it got. */
function collector() {
  const lines: ContainerLogLine[] = [];
  let ended: { error?: Error } | undefined;
  return {
    lines,
    get ended() {
      return ended;
    },
    sink: {
      lines: (batch: readonly ContainerLogLine[]) => void lines.push(...batch),
      dropped: () => undefined,
      end: (error?: Error) => void (ended = error ? { error } : {}),
    },
    until: (what: string, done: () => boolean) => waitUntil(`${what}; lines so far: ${JSON.stringify(shown(lines))}`, done, 10_000),
  };
}

async function setup(): Promise<{ double: KubeApiDouble; driver: PlaneDriver; pods: string[]; replicaSet: string }> {
  const double = await startKubeApiDouble();
  cleanups.push(() => double.close());
  const driver = createKubernetesDriver({ kubeConfig: double.kubeConfig(), agentId: "dataplane.default", namespace: "openchoreo-agent", logger: captureLogger().logger, logRetryMs: 50, watchBackoff: { initialMs: 20, maxMs: 100 } });
  cleanups.push(() => driver.close());
  await driver.start();
  await driver.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  await driver.apply(deployment());
  const { pods, replicaSet } = double.controllers.rollOutDeployment(ns, "greeter-1a2b3c4d");
  for (const [i, pod] of pods.entries()) {
    double.controllers.writeContainerLog(ns, pod, "main", `old ${i}a\nold ${i}b\n`, minutesAgo(30));
    double.controllers.writeContainerLog(ns, pod, "main", `new ${i}a\nnew ${i}b\n`, minutesAgo(1));
    double.controllers.writeContainerLog(ns, pod, "proxy", `proxy ${i}\n`, minutesAgo(1));
  }
  return { double, driver, pods, replicaSet };
}

async function readAll(driver: PlaneDriver, q: ContainerLogQuery) {
  const c = collector();
  driver.streamLogs!(q, c.sink);
  await c.until("the read to end", () => c.ended !== undefined);
  return c;
}

describe("Kubernetes driver: component logs through the pod log API", () => {
  it("reads every container of every pod of the component once, each line labelled, with tail, since, timestamps and one container", async () => {
    const { driver, pods } = await setup();
    const [a, b] = pods as [string, string];
    const all = await readAll(driver, query());
    expect(all.ended).toEqual({});
    expect(shown(all.lines).sort()).toEqual(
      [
        `${a}/main: old 0a`, `${a}/main: old 0b`, `${a}/main: new 0a`, `${a}/main: new 0b`, `${a}/proxy: proxy 0`,
        `${b}/main: old 1a`, `${b}/main: old 1b`, `${b}/main: new 1a`, `${b}/main: new 1b`, `${b}/proxy: proxy 1`,
      ].sort(),
    );
    expect(all.lines.every((l) => l.timestamp === "")).toBe(true);

    const tail = await readAll(driver, query({ tailLines: 1, container: "main" }));
    expect(shown(tail.lines).sort()).toEqual([`${a}/main: new 0b`, `${b}/main: new 1b`].sort());

    const recent = await readAll(driver, query({ sinceSeconds: 600, pod: a }));
    expect(shown(recent.lines)).toEqual([`${a}/main: new 0a`, `${a}/main: new 0b`, `${a}/proxy: proxy 0`]);
    const sinceTime = await readAll(driver, query({ sinceTimeMs: minutesAgo(5).getTime(), pod: b, container: "main" }));
    expect(shown(sinceTime.lines)).toEqual([`${b}/main: new 1a`, `${b}/main: new 1b`]);

    const stamped = await readAll(driver, query({ timestamps: true, pod: a, container: "main", tailLines: 2 }));
    expect(stamped.lines.map((l) => l.text)).toEqual(["new 0a", "new 0b"]);
    for (const line of stamped.lines) expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(Date.parse(stamped.lines[0]!.timestamp)).toBeGreaterThan(minutesAgo(2).getTime());
  });

  it("ends with an error naming a pod or container the component does not have", async () => {
    const { driver } = await setup();
    expect((await readAll(driver, query({ pod: "nope" }))).ended?.error?.message).toContain("no pod nope");
    expect((await readAll(driver, query({ container: "db" }))).ended?.error?.message).toContain("container db");
  });

  it("follows as stern does: recent lines at once, new lines of every pod, a replacement pod and a restarted container joined; closing stops every upstream read", async () => {
    const { double, driver, pods } = await setup();
    const [a, b] = pods as [string, string];
    const watchesBefore = double.openWatches;
    const c = collector();
    const subscription = driver.streamLogs!(query({ follow: true, tailLines: 1, container: "main" }), c.sink);
    await c.until("the last line of each pod", () => c.lines.length === 2);
    expect(shown(c.lines).sort()).toEqual([`${a}/main: new 0b`, `${b}/main: new 1b`].sort());
    await c.until("a log stream per pod", () => double.controllers.logFollowers() === 2);

    double.controllers.writeContainerLog(ns, a, "main", "live a\n");
    double.controllers.writeContainerLog(ns, b, "main", "live b\n");
    await c.until("the live lines", () => c.lines.length === 4);
    expect(shown(c.lines.slice(2)).sort()).toEqual([`${a}/main: live a`, `${b}/main: live b`].sort());

    // The ReplicaSet replaces a deleted pod: the new pod is joined from its first line.
    const replacement = double.controllers.replacePod(ns, a);
    double.controllers.writeContainerLog(ns, replacement, "main", "replacement up\n");
    await c.until("the replacement's line", () => shown(c.lines).includes(`${replacement}/main: replacement up`));

    // A restarted container is a new instance: followed from its first line, nothing of the old repeated.
    double.controllers.restartContainer(ns, b, "main", { reason: "OOMKilled", exitCode: 137 });
    double.controllers.writeContainerLog(ns, b, "main", "restarted b\n");
    await c.until("the restarted container's line", () => shown(c.lines).includes(`${b}/main: restarted b`));
    expect(c.lines.filter((l) => l.pod === b).map((l) => l.text)).toEqual(["new 1b", "live b", "restarted b"]);
    expect(c.ended).toBeUndefined();

    await c.until("a log stream per current pod", () => double.controllers.logFollowers() === 2);
    subscription.close();
    await c.until("every upstream log read to stop", () => double.controllers.logFollowers() === 0);
    await c.until("the pod watch to stop", () => double.openWatches === watchesBefore);
    double.controllers.writeContainerLog(ns, b, "main", "after close\n");
    expect(shown(c.lines)).not.toContain(`${b}/main: after close`);
  });

  it("stops the upstream reads of a follower that goes away mid-stream while another follower keeps reading", async () => {
    const { double, driver, pods } = await setup();
    const [a] = pods as [string];
    const leaving = collector();
    const staying = collector();
    const left = driver.streamLogs!(query({ follow: true, pod: a, container: "main", tailLines: 0 }), leaving.sink);
    driver.streamLogs!(query({ follow: true, pod: a, container: "main", tailLines: 0 }), staying.sink);
    await staying.until("both streams open", () => double.controllers.logFollowers() === 2);
    for (let i = 0; i < 50; i++) double.controllers.writeContainerLog(ns, a, "main", `line ${i}\n`);
    await leaving.until("some lines", () => leaving.lines.length > 0);
    left.close();
    await staying.until("one stream left", () => double.controllers.logFollowers() === 1);
    const before = leaving.lines.length;
    double.controllers.writeContainerLog(ns, a, "main", "later\n");
    await staying.until("the later line", () => staying.lines.at(-1)?.text === "later");
    expect(staying.lines.map((l) => l.text)).toEqual([...Array.from({ length: 50 }, (_, i) => `line ${i}`), "later"]);
    expect(leaving.lines.length).toBe(before);
  });

  it("reads a container again after a failed request, and ends a follow the API server refuses for want of rights", async () => {
    const { double, driver, pods } = await setup();
    const [a] = pods as [string];
    const isLog = (r: { path: string }) => r.path.endsWith(`/pods/${a}/log`);
    double.failRequests(isLog, 1, 500);
    const retried = collector();
    const subscription = driver.streamLogs!(query({ follow: true, pod: a, container: "main", tailLines: 1 }), retried.sink);
    await retried.until("the line after the retry", () => retried.lines.length > 0);
    expect(shown(retried.lines)).toEqual([`${a}/main: new 0b`]);
    subscription.close();

    double.failRequests(isLog, 1, 403);
    const refused = collector();
    driver.streamLogs!(query({ follow: true, pod: a, container: "main" }), refused.sink);
    await refused.until("the follow to end", () => refused.ended !== undefined);
    expect(refused.ended?.error?.message).toContain(`reading the log of pod ${a}`);
    await refused.until("no read left behind", () => double.controllers.logFollowers() === 0);
  });

  it("resumes a follow whose connection broke after the last line it delivered: nothing lost, nothing repeated", async () => {
    const { double, driver, pods } = await setup();
    const [a] = pods as [string];
    const c = collector();
    driver.streamLogs!(query({ follow: true, pod: a, container: "main", tailLines: 1 }), c.sink);
    await c.until("the follow to be open", () => c.lines.length === 1 && double.controllers.logFollowers() === 1);
    double.controllers.writeContainerLog(ns, a, "main", "before the break\n");
    await c.until("the line before the break", () => c.lines.length === 2);
    double.controllers.breakLogStreams();
    double.controllers.writeContainerLog(ns, a, "main", "while broken\n");
    await c.until("the follow to be open again", () => double.controllers.logFollowers() === 1);
    double.controllers.writeContainerLog(ns, a, "main", "after the break\n");
    await c.until("the line after the break", () => c.lines.at(-1)?.text === "after the break");
    expect(c.lines.map((l) => l.text)).toEqual(["new 0b", "before the break", "while broken", "after the break"]);
  });

  it("reads a scheduled task's last runs, oldest first, crashed container's previous run included", async () => {
    const { double, driver } = await setup();
    await driver.apply(cronJob);
    const reportScope = { ...scope, "openchoreo.dev/component": "report" };
    const first = double.controllers.runCronJob(ns, "report-1a2b3c4d", minutesAgo(10));
    double.controllers.writeContainerLog(ns, first.pod, "main", "run 1 done\n");
    double.controllers.finishJob(ns, first.job);
    const second = double.controllers.runCronJob(ns, "report-1a2b3c4d", minutesAgo(5));
    double.controllers.writeContainerLog(ns, second.pod, "main", "run 2 failing\n");
    double.controllers.crashContainer(ns, second.pod, "main", { reason: "Error", exitCode: 1 });
    const runs = await readAll(driver, query({ selector: reportScope }));
    expect(runs.ended).toEqual({});
    expect(shown(runs.lines)).toEqual([`${first.pod}/main: run 1 done`, `${second.pod}/main: run 2 failing`]);
  });
});
