// Component logs and the live object tree end to end with the Kubernetes driver: the real server, a
// data-plane agent whose driver talks to the Kubernetes API double, and choreoctl and a gRPC client as
// users reach them. The test acts as the cluster's controllers and kubelet (ReplicaSets, pods, restarts,
// log lines); everything else is the product's own path.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComponentService } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { ComponentSchema } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { EnvironmentSchema } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ReleaseSchema } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { createKubernetesDriver, createPlaneAgent, type PlaneAgent } from "../../src/agent/index.js";
import { labels, type JsonObject } from "../../src/model/index.js";
import { choreoctlInProcess } from "../cli/support/in-process-choreoctl.js";
import { startKubeApiDouble, type KubeApiDouble } from "../kube-api-double/index.js";
import { waitUntil } from "../kube-api-double/test-client.js";
import { captureLogger } from "../support/capture-logger.js";
import { bearer } from "../support/test-tokens.js";
import { startPlaneHarness, type PlaneHarness } from "./support/plane-harness.js";

const cell = "dp-default-shop-development-5e6f7a8b";
const scope = { [labels.organization]: "default", [labels.project]: "shop", [labels.environment]: "development", [labels.component]: "greeter" };
const meta = (name: string, namespace = cell) => ({ name, namespace, labels: { ...scope, [labels.managedBy]: "openchoreo-control-plane" } });
const workload: JsonObject[] = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: cell, labels: { [labels.organization]: "default" } } },
  { apiVersion: "apps/v1", kind: "Deployment", metadata: meta("greeter-5e6f7a8b"), spec: { replicas: 2, selector: { matchLabels: scope }, template: { metadata: { labels: scope }, spec: { containers: [{ name: "main", image: "greeter:1" }] } } } },
  { apiVersion: "v1", kind: "Service", metadata: meta("greeter-5e6f7a8b"), spec: { selector: scope, ports: [{ port: 80, targetPort: 9090 }] } },
];

let h: PlaneHarness;
let double: KubeApiDouble;
let agent: PlaneAgent;
let client: Client<typeof ComponentService>;
let home: string;
let pods: string[];
let replicaSet: string;

const choreoctl = (args: string[]) => choreoctlInProcess(args, home, { env: { CHOREO_TOKEN: h.adminToken } });

beforeAll(async () => {
  h = await startPlaneHarness();
  double = await startKubeApiDouble();
  await h.createDataPlane("cluster");
  const token = await h.register("DataPlane", "cluster");
  const { store } = h.plane;
  // The default organization has a development Environment already once its defaults are written.
  await store.create(EnvironmentSchema, create(EnvironmentSchema, { apiVersion: "openchoreo.dev/v1alpha1", kind: "Environment", metadata: { name: "development", namespace: "default" }, spec: { dataPlaneRef: "cluster" } })).catch(() => undefined);
  await store.create(ComponentSchema, create(ComponentSchema, { apiVersion: "openchoreo.dev/v1alpha1", kind: "Component", metadata: { name: "greeter", namespace: "default" }, spec: { owner: { projectName: "shop" }, type: "Service" } }));
  const release = await h.putRelease("greeter-development", "cluster", workload);
  // What the binding controller's Release carries: which component and environment it is.
  release.metadata!.labels = { ...release.metadata!.labels, [labels.organization]: "default", [labels.project]: "shop", [labels.component]: "greeter", [labels.environment]: "development" };
  await store.update(ReleaseSchema, release);

  const { logger } = captureLogger();
  agent = createPlaneAgent({
    server: h.url,
    planeName: "cluster",
    planeKind: "DataPlane",
    agentVersion: "test",
    credential: async () => token,
    driver: createKubernetesDriver({ kubeConfig: double.kubeConfig(), agentId: "dataplane.cluster", namespace: "openchoreo-agent", logger, watchBackoff: { initialMs: 50, maxMs: 200, random: () => 0.5 } }),
    logger,
    reconnect: { initialMs: 200, maxMs: 1000, random: () => 0.5 },
  });
  await agent.start();
  await waitUntil("the agent to apply the Deployment", () => double.find({ apiVersion: "apps/v1", kind: "Deployment", namespace: cell, name: "greeter-5e6f7a8b" }) !== undefined, 30_000);
  ({ pods, replicaSet } = double.controllers.rollOutDeployment(cell, "greeter-5e6f7a8b"));
  for (const [i, pod] of pods.entries()) double.controllers.writeContainerLog(cell, pod, "main", `pod ${i} line 1\npod ${i} line 2\n`, new Date(Date.now() - 60_000));

  client = createClient(ComponentService, createGrpcTransport({ baseUrl: h.url, interceptors: [bearer(h.adminToken) as never] }));
  home = mkdtempSync(join(tmpdir(), "kubernetes-runtime-"));
  writeFileSync(join(home, "config.yaml"), `currentContext: test\ncontexts:\n  - name: test\n    server: ${h.url}\n`);
}, 90_000);
afterAll(async () => {
  await agent?.stop();
  await double?.close();
  await h?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("component logs and the live tree with the Kubernetes driver", () => {
  it("choreoctl logs prints every pod's lines prefixed with pod and container, with --tail and --timestamps", async () => {
    const all = await choreoctl(["logs", "greeter", "--env", "development"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trim().split("\n").sort()).toEqual(pods.flatMap((pod, i) => [`${pod} main pod ${i} line 1`, `${pod} main pod ${i} line 2`]).sort());
    const tail = await choreoctl(["logs", "greeter", "--env", "development", "--tail", "1", "--timestamps"]);
    expect(tail.code, tail.stderr).toBe(0);
    const lines = tail.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^greeter-5e6f7a8b-\S+ main \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z pod \d line 2$/);
    const recent = await choreoctl(["logs", "greeter", "--env", "development", "--since", "30s"]);
    expect(recent.stdout).toBe("");
  });

  it("follows through the agent: new lines and a replacement pod's, and the agent's upstream reads stop when the follower leaves", async () => {
    const abort = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const batch of client.streamComponentLogs({ namespace: "default", name: "greeter", environment: "development", follow: true, tailLines: 0 }, { signal: abort.signal })) {
        got.push(...batch.lines.map((l) => `${l.pod} ${l.container} ${l.text}`));
      }
    })().catch(() => undefined);
    await waitUntil("the agent to follow both pods", () => double.controllers.logFollowers() === 2, 15_000);
    double.controllers.writeContainerLog(cell, pods[0]!, "main", "live\n");
    await waitUntil("the live line", () => got.includes(`${pods[0]} main live`), 15_000);
    const replacement = double.controllers.replacePod(cell, pods[1]!);
    double.controllers.writeContainerLog(cell, replacement, "main", "replacement up\n");
    await waitUntil("the replacement's line", () => got.includes(`${replacement} main replacement up`), 15_000);
    pods[1] = replacement;
    abort.abort();
    await reading;
    await waitUntil("the agent's log reads to stop", () => double.controllers.logFollowers() === 0, 15_000);
  });

  it("choreoctl tree shows the Release's objects and the cluster's ReplicaSet and pods, a crash loop included", async () => {
    double.controllers.crashContainer(cell, pods[0]!, "main", { reason: "OOMKilled", exitCode: 137 });
    const tree = await client.getResourceTree({ namespace: "default", name: "greeter", environment: "development" });
    const rows = tree.nodes.map((n) => `${n.kind}/${n.name} ${n.health}`);
    expect(rows).toEqual(expect.arrayContaining(["Deployment/greeter-5e6f7a8b Healthy", "Service/greeter-5e6f7a8b Healthy", `ReplicaSet/${replicaSet} Healthy`, `Pod/${pods[1]} Healthy`]));
    const crashed = tree.nodes.find((n) => n.name === pods[0]);
    expect(crashed).toMatchObject({ health: "Degraded", pod: { restarts: 1, lastTerminationReason: "OOMKilled" } });
    expect(crashed?.events.map((e) => e.reason)).toContain("BackOff");

    const printed = await choreoctl(["tree", "greeter", "--env", "development"]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/^Deployment\/greeter-5e6f7a8b\s+Healthy\s/m);
    expect(printed.stdout).toMatch(new RegExp(`^ {2}ReplicaSet/${replicaSet}\\s+Healthy\\s`, "m"));
    expect(printed.stdout).toMatch(new RegExp(`^ {4}Pod/${pods[0]}\\s+Degraded\\s`, "m"));
    expect(printed.stdout).not.toMatch(/\byes\b/);
  });

  it("watches the tree: a change in the cluster is pushed to the watcher without asking again", async () => {
    const abort = new AbortController();
    const trees: string[][] = [];
    const watching = (async () => {
      for await (const update of client.watchResourceTree({ namespace: "default", name: "greeter", environment: "development" }, { signal: abort.signal })) {
        trees.push(update.nodes.map((n) => `${n.kind}/${n.name} ${n.health}`));
      }
    })().catch(() => undefined);
    await waitUntil("the first tree", () => trees.length > 0, 15_000);
    expect(trees[0]).toContain(`Pod/${pods[1]} Healthy`);
    const replacement = double.controllers.replacePod(cell, pods[1]!);
    await waitUntil("the replacement in a pushed tree", () => trees.at(-1)!.includes(`Pod/${replacement} Healthy`) && !trees.at(-1)!.some((row) => row.startsWith(`Pod/${pods[1]} `)), 15_000);
    abort.abort();
    await watching;
  });
});
