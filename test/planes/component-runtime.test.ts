// ComponentService's runtime methods (logs, live object tree) against the real server, with scripted
// agents standing for the data plane: what reaches the agent, what followers get, who may call.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComponentService } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { ComponentSchema } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { EnvironmentSchema } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ReleaseSchema } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { issueApiToken } from "../../src/auth/index.js";
import { labels } from "../../src/model/index.js";
import { bearer } from "../support/test-tokens.js";
import { connectAgent, type FakeAgent } from "./support/fake-agent.js";
import { startPlaneHarness, type PlaneHarness } from "./support/plane-harness.js";

let h: PlaneHarness;
let tokens: Record<string, string>;
const planeTokens: Record<string, string> = {};
const clients: Record<string, Client<typeof ComponentService>> = {};
const podNamespace = "dp-default-shop-sandbox-1234abcd";

/** A component deployed (as far as the control plane knows) to environment `env` on data plane `plane`. */
async function deployed(component: string, env: string, plane: string): Promise<void> {
  const { store } = h.plane;
  await store.create(EnvironmentSchema, create(EnvironmentSchema, { apiVersion: "openchoreo.dev/v1alpha1", kind: "Environment", metadata: { name: env, namespace: "default" }, spec: { dataPlaneRef: plane } }));
  await store.create(
    ComponentSchema,
    create(ComponentSchema, { apiVersion: "openchoreo.dev/v1alpha1", kind: "Component", metadata: { name: component, namespace: "default" }, spec: { owner: { projectName: "shop" }, type: "Service" } }),
  );
  await store.create(
    ReleaseSchema,
    create(ReleaseSchema, {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Release",
      metadata: {
        name: `${component}-${env}`,
        namespace: "default",
        labels: { [labels.planeKind]: "DataPlane", [labels.planeName]: plane, [labels.component]: component, [labels.environment]: env, [labels.project]: "shop", [labels.organization]: "default" },
      },
      spec: {
        environmentName: env,
        owner: { projectName: "shop", componentName: component },
        resources: [{ id: "deployment", object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: component, namespace: podNamespace }, spec: { replicas: 1 } } }],
      },
    }),
  );
}

beforeAll(async () => {
  h = await startPlaneHarness();
  for (const name of ["able", "unable"]) {
    await h.createDataPlane(name);
    planeTokens[name] = await h.register("DataPlane", name);
  }
  await deployed("shop-api", "sandbox", "able");
  await deployed("legacy-api", "legacy", "unable");
  await h.createDataPlane("offline");
  await deployed("offline-api", "remote", "offline");
  // The harness's platform admin, a viewer of the organization, and a token with no grant at all.
  const issue = async (name: string, role?: string) =>
    (await issueApiToken(h.plane.access, h.plane.codec.registry, { name, organization: role ? "default" : undefined, role, expiresAtMs: undefined, createdBy: "test" })).token;
  tokens = { admin: h.adminToken, carol: await issue("carol", "viewer"), nobody: await issue("nobody") };
  await until(() => ["carol", "nobody"].every((n) => h.plane.accessControl.tokens.byName(n) !== undefined), "the tokens in the guard's cache");
  for (const who of ["admin", "carol", "nobody"]) clients[who] = createClient(ComponentService, createGrpcTransport({ baseUrl: h.url, interceptors: [bearer(tokens[who]) as never] }));
}, 60_000);
afterAll(async () => h?.stop());

const agents: FakeAgent[] = [];
afterAll(() => agents.forEach((a) => a.close()));
function agent(plane: string, capabilities: string[]): FakeAgent {
  const a = connectAgent(h.url, planeTokens[plane], { planeName: plane, planeKind: "DataPlane", agentVersion: "test", driver: "kubernetes", capabilities });
  agents.push(a);
  return a;
}

const request = { namespace: "default", name: "shop-api", environment: "sandbox" };
const line = (text: string) => ({ pod: "shop-api-7d9f-abcde", container: "main", text, timestamp: "" });

/** Collects what a stream yields until it ends or is aborted. */
function collect<T>(stream: AsyncIterable<T>): { items: T[]; done: Promise<unknown> } {
  const items: T[] = [];
  const done = (async () => {
    for await (const item of stream) items.push(item);
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  return { items, done };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("component logs through the agent", () => {
  it("asks the agent for the component's pods, shares one read between two followers, and cancels it when the last leaves", async () => {
    const a = agent("able", ["live-objects", "component-logs", "resource-tree"]);
    await a.waitFor("welcome");
    const first = new AbortController();
    const second = new AbortController();
    const one = collect(clients.carol!.streamComponentLogs({ ...request, follow: true, tailLines: 10 }, { signal: first.signal }));
    const subscription = await a.waitFor("logSubscription");
    expect(subscription).toMatchObject({
      namespace: podNamespace,
      selector: { [labels.organization]: "default", [labels.project]: "shop", [labels.environment]: "sandbox", [labels.component]: "shop-api" },
      follow: true,
      tailLines: 10,
    });
    a.send({ case: "logBatch", value: { subscriptionId: subscription.subscriptionId, lines: [line("hello")] } });
    await until(() => one.items.length === 1, "the first follower's line");
    const two = collect(clients.admin!.streamComponentLogs({ ...request, follow: true, tailLines: 10 }, { signal: second.signal }));
    // The late follower gets the recent lines at once, from the shared read.
    await until(() => two.items.length === 1, "the second follower's replay");
    a.send({ case: "logBatch", value: { subscriptionId: subscription.subscriptionId, lines: [line("world")], droppedLines: 3 } });
    await until(() => one.items.length === 2 && two.items.length === 2, "both followers' second batch");
    expect(a.all("logSubscription")).toHaveLength(1);
    expect(one.items.map((b) => [b.droppedLines, b.lines.map((l) => `${l.pod} ${l.container} ${l.text}`)])).toEqual([
      [0n, ["shop-api-7d9f-abcde main hello"]],
      [3n, ["shop-api-7d9f-abcde main world"]],
    ]);
    expect(two.items.map((b) => b.lines.map((l) => l.text))).toEqual([["hello"], ["world"]]);

    first.abort();
    await one.done;
    await new Promise((r) => setTimeout(r, 200));
    expect(a.all("subscriptionCancellation")).toEqual([]);
    second.abort();
    await two.done;
    const cancelled = await a.waitFor("subscriptionCancellation");
    expect(cancelled.subscriptionId).toBe(subscription.subscriptionId);
  });

  it("ends a read without follow when the agent says it is complete, and reports an agent's failure", async () => {
    const a = agents[0]!;
    const from = a.received.length;
    const read = collect(clients.carol!.streamComponentLogs({ ...request, container: "main" }));
    const subscription = await a.waitFor("logSubscription", { from });
    expect(subscription).toMatchObject({ follow: false, container: "main" });
    a.send({ case: "logBatch", value: { subscriptionId: subscription.subscriptionId, lines: [line("one"), line("two")] } });
    a.send({ case: "subscriptionEnd", value: { subscriptionId: subscription.subscriptionId, error: "" } });
    expect(await read.done).toBeUndefined();
    expect(read.items.flatMap((b) => b.lines.map((l) => l.text))).toEqual(["one", "two"]);

    const failing = collect(clients.carol!.streamComponentLogs({ ...request, pod: "gone" }));
    const next = await a.waitFor("logSubscription", { from: from + 1, where: (s) => s.pod === "gone" });
    a.send({ case: "subscriptionEnd", value: { subscriptionId: next.subscriptionId, error: 'pod "gone" not found' } });
    const err = ConnectError.from(await failing.done);
    expect([err.code, err.rawMessage]).toEqual([Code.FailedPrecondition, `the plane's agent: pod "gone" not found`]);
  });

  it("answers unimplemented, naming the capability, when the plane's agent cannot read logs or trees", async () => {
    const a = agent("unable", ["live-objects"]);
    await a.waitFor("welcome");
    const legacy = { namespace: "default", name: "legacy-api", environment: "legacy" };
    const logs = ConnectError.from(await collect(clients.carol!.streamComponentLogs(legacy)).done);
    expect(logs.code).toBe(Code.Unimplemented);
    expect(logs.rawMessage).toMatch(/cannot stream component logs: it did not announce the "component-logs" capability/);
    const tree = await clients.carol!.getResourceTree(legacy).catch((e: unknown) => ConnectError.from(e));
    expect(tree).toBeInstanceOf(ConnectError);
    expect((tree as ConnectError).code).toBe(Code.Unimplemented);
    expect(a.all("logSubscription")).toEqual([]);

    const offline = ConnectError.from(await collect(clients.carol!.streamComponentLogs({ namespace: "default", name: "offline-api", environment: "remote" })).done);
    expect([offline.code, offline.rawMessage]).toEqual([Code.Unavailable, "no agent of DataPlane offline is connected to this server"]);
  });

  it("refuses a caller who may not read the organization's components, and checks its input", async () => {
    const refused = ConnectError.from(await collect(clients.nobody!.streamComponentLogs(request)).done);
    expect(refused.code).toBe(Code.PermissionDenied);
    const tree = await clients.nobody!.getResourceTree(request).catch((e: unknown) => ConnectError.from(e));
    expect((tree as ConnectError).code).toBe(Code.PermissionDenied);
    const invalid = ConnectError.from(await collect(clients.carol!.streamComponentLogs({ namespace: "default", name: "shop-api", environment: "", tailLines: -1 })).done);
    expect([invalid.code, invalid.rawMessage]).toEqual([Code.InvalidArgument, "environment: required; tail_lines: must not be negative"]);
    const notDeployed = ConnectError.from(await collect(clients.carol!.streamComponentLogs({ namespace: "default", name: "shop-api", environment: "legacy" })).done);
    expect([notDeployed.code, notDeployed.rawMessage]).toEqual([Code.FailedPrecondition, "component shop-api is not deployed to environment legacy (it has no Release there yet)"]);
  });
});

describe("the live object tree through the agent", () => {
  it("returns the agent's tree with parents before children, and stops the agent's watch once read", async () => {
    const a = agents[0]!;
    const from = a.received.length;
    const answer = clients.carol!.getResourceTree(request);
    const subscription = await a.waitFor("treeSubscription", { from });
    expect(subscription).toMatchObject({ releaseId: "default/shop-api-sandbox", namespace: podNamespace });
    const ref = (kind: string, name: string) => ({ apiVersion: kind === "Deployment" || kind === "ReplicaSet" ? "apps/v1" : "v1", kind, namespace: podNamespace, name });
    a.send({
      case: "resourceTree",
      value: {
        subscriptionId: subscription.subscriptionId,
        revision: 1,
        part: 0,
        partCount: 1,
        nodes: [
          { ref: ref("Pod", "shop-api-7d9f-abcde"), uid: "pod", ownerUids: ["rs"], health: "Degraded", pod: { phase: "Running", readyContainers: 0, totalContainers: 1, restarts: 4, lastTerminationReason: "OOMKilled" }, events: [{ type: "Warning", reason: "BackOff", message: "back-off", count: 4, lastTime: timestampFromMs(Date.now()) }] },
          { ref: ref("ReplicaSet", "shop-api-7d9f"), uid: "rs", ownerUids: ["deploy"], health: "Progressing" },
          { ref: ref("Deployment", "shop-api"), uid: "deploy", health: "Progressing", releaseId: "default/shop-api-sandbox" },
        ],
      },
    });
    const tree = await answer;
    expect(tree.nodes.map((n) => `${n.kind}/${n.name} ${n.health} ${n.release}`)).toEqual([
      "Deployment/shop-api Progressing default/shop-api-sandbox",
      "ReplicaSet/shop-api-7d9f Progressing ",
      "Pod/shop-api-7d9f-abcde Degraded ",
    ]);
    expect(tree.nodes[2]!.pod).toMatchObject({ restarts: 4, lastTerminationReason: "OOMKilled" });
    expect(tree.nodes[2]!.events.map((e) => e.reason)).toEqual(["BackOff"]);
    expect((await a.waitFor("subscriptionCancellation", { from })).subscriptionId).toBe(subscription.subscriptionId);
  });

  it("does not wait forever for an agent that sends no tree: unavailable after 10 s, and its watch cancelled", async () => {
    const a = agents[0]!;
    const from = a.received.length;
    const answer = clients.carol!.getResourceTree(request).catch((e: unknown) => ConnectError.from(e));
    const { subscriptionId } = await a.waitFor("treeSubscription", { from });
    const err = await answer;
    expect([(err as ConnectError).code, (err as ConnectError).rawMessage]).toEqual([Code.Unavailable, "the plane's agent sent no tree within 10 s"]);
    expect((await a.waitFor("subscriptionCancellation", { from })).subscriptionId).toBe(subscriptionId);
  }, 20_000);

  it("pushes every whole tree to a watcher, a tree in parts only once all have come", async () => {
    const a = agents[0]!;
    const from = a.received.length;
    const stop = new AbortController();
    const watch = collect(clients.carol!.watchResourceTree(request, { signal: stop.signal }));
    const { subscriptionId } = await a.waitFor("treeSubscription", { from });
    const node = (name: string, health: string) => ({ ref: { apiVersion: "v1", kind: "Pod", namespace: podNamespace, name }, uid: name, health });
    a.send({ case: "resourceTree", value: { subscriptionId, revision: 1, part: 0, partCount: 1, nodes: [node("a", "Progressing")] } });
    await until(() => watch.items.length === 1, "the first tree");
    a.send({ case: "resourceTree", value: { subscriptionId, revision: 2, part: 1, partCount: 2, nodes: [node("b", "Healthy")] } });
    // Half a tree is never shown: a moment later the watcher still has only the first.
    await new Promise((r) => setTimeout(r, 100));
    expect(watch.items).toHaveLength(1);
    a.send({ case: "resourceTree", value: { subscriptionId, revision: 2, part: 0, partCount: 2, nodes: [node("a", "Healthy")] } });
    await until(() => watch.items.length === 2, "the second tree");
    expect(watch.items.map((t) => t.nodes.map((n) => `${n.name} ${n.health}`))).toEqual([["a Progressing"], ["a Healthy", "b Healthy"]]);
    stop.abort();
    await watch.done;
    expect((await a.waitFor("subscriptionCancellation", { from })).subscriptionId).toBe(subscriptionId);
  });
});
