// The kubernetes driver's scenarios against a real cluster: `npx tsx scripts/run-against-cluster.ts
// --kubeconfig ~/.kube/config` (or KUBECONFIG). It applies Releases in a namespace of its own through a
// plane agent and a scripted control plane, checks the cluster after each step, and deletes what it
// made. Needs rights to create namespaces, services, configmaps and deployments (cluster-admin on a
// kind/minikube cluster is fine). Prints "N passed, N failed"; exits 1 on a failure. CI runs it against
// the Kubernetes API double over TLS (test/kube-api-double/run-against-cluster.test.ts).
import { randomBytes } from "node:crypto";
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { pino } from "pino";
import { ackOf, desiredRelease, namespace, outcomes, releaseObject, service, deployment } from "../src/agent/agent-fixtures.js";
import { createKubernetesDriver, createPlaneAgent, createPlaneGuard, loadKubeConfig, releaseFieldManager } from "../src/agent/index.js";
import { startScriptedControlPlane, type ScriptedSession } from "../src/agent/scripted-control-plane.js";
import type { ConnectRequest } from "../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";

const flag = process.argv.indexOf("--kubeconfig");
const kubeconfig = flag >= 0 ? process.argv[flag + 1] : process.env.KUBECONFIG?.split(":")[0];
if (!kubeconfig) {
  process.stderr.write("usage: npx tsx scripts/run-against-cluster.ts --kubeconfig FILE (or set KUBECONFIG)\n");
  process.exit(2);
}
const kubeConfig = loadKubeConfig(kubeconfig);
const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
const logger = pino({ level: process.argv.includes("--verbose") ? "debug" : "warn" }, pino.destination(2));
const suffix = randomBytes(3).toString("hex");
const ns = `openchoreo-agent-check-${suffix}`;
const inventoryNamespace = `openchoreo-agent-inv-${suffix}`;
const agentId = `check.${suffix}`;
const releaseId = `check/${suffix}`;
const results: [string, string | undefined][] = [];

async function step(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
    results.push([name, undefined]);
    process.stdout.write(`ok   ${name}\n`);
  } catch (err) {
    results.push([name, (err as Error).message]);
    process.stdout.write(`FAIL ${name}: ${(err as Error).message}\n`);
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const read = (apiVersion: string, kind: string, name: string, namespace?: string) =>
  objects.read<KubernetesObject & { spec?: { ports?: { port: number }[]; selector?: Record<string, string> } }>({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } }).catch(() => undefined);

async function startAgent(cp: Awaited<ReturnType<typeof startScriptedControlPlane>>, index: number) {
  const driver = createKubernetesDriver({ kubeConfig, agentId, namespace: inventoryNamespace, logger });
  // The agent's guard writes only into the namespaces it is given: this check's own.
  const guard = createPlaneGuard({ planeKind: "DataPlane", namespacePrefixes: [ns], protectedNamespaces: [inventoryNamespace] });
  const agent = createPlaneAgent({ server: cp.url, planeName: "check", planeKind: "DataPlane", agentVersion: "check", credential: async () => "t", driver, guard, logger });
  await agent.start();
  return { agent, session: await cp.session(index, 30_000) };
}

const release = (generation: number, content: Omit<Parameters<typeof desiredRelease>[0], "releaseId" | "generation">) =>
  ({ case: "release", value: desiredRelease({ interval: "2s", progressingInterval: "2s", ...content, releaseId, generation }) }) as const;
const drift = (name: string) => (m: ConnectRequest) => (m.message.case === "events" ? m.message.value.events.find((e) => e.reason === "DriftCorrected" && e.involved?.name === name) : undefined);

const cp = await startScriptedControlPlane();
let session: ScriptedSession | undefined;
let first: Awaited<ReturnType<typeof startAgent>> | undefined;
try {
  await step("apply a Release with server-side apply as openchoreo-release-controller, namespaces first", async () => {
    first = await startAgent(cp, 0);
    session = first.session;
    session.send(release(1, { objects: [namespace(ns), service(ns, "a"), service(ns, "b"), deployment(ns, "web", 1)].map(releaseObject) }));
    const ack = await session.waitFor("ack 1", ackOf(releaseId, 1), 60_000);
    check(outcomes(ack).join() === "Deployment/web=Applied,Namespace/" + ns + "=Applied,Service/a=Applied,Service/b=Applied", `acks: ${outcomes(ack).join()} ${ack.results.map((r) => r.message).join(" ")}`);
    const svc = await read("v1", "Service", "a", ns);
    check(svc?.metadata?.managedFields?.some((m) => m.manager === releaseFieldManager && m.operation === "Apply") === true, "no managedFields entry for the release controller");
  });
  await step("a resync of the same objects changes nothing", async () => {
    session!.send(release(2, { objects: [namespace(ns), service(ns, "a"), service(ns, "b"), deployment(ns, "web", 1)].map(releaseObject) }));
    const ack = await session!.waitFor("ack 2", ackOf(releaseId, 2), 60_000);
    check(ack.results.every((r) => r.outcome === "Unchanged"), `outcomes: ${outcomes(ack).join()}`);
  });
  await step("an object changed behind the agent's back is put back within the interval", async () => {
    // A field the agent applied, changed in place. (A port replaced by another is a new list item the
    // editor owns, which a forced server-side apply keeps beside the agent's, on a cluster as here.)
    await objects.patch({ apiVersion: "v1", kind: "Service", metadata: { name: "a", namespace: ns }, spec: { selector: { app: "elsewhere" } } } as KubernetesObject, undefined, undefined, "kubectl-edit", true, PatchStrategy.MergePatch);
    await session!.waitFor("drift corrected", drift("a"), 60_000);
    check((await read("v1", "Service", "a", ns))?.spec?.selector?.app === "a", "the selector was not put back");
  });
  await step("an object the API server rejects fails alone with its message", async () => {
    const invalid = { ...service(ns, "bad"), spec: { ports: [{ port: 0 }] } };
    session!.send(release(3, { objects: [releaseObject(invalid)], unchanged: [namespace(ns), service(ns, "a"), service(ns, "b"), deployment(ns, "web", 1)] }));
    const ack = await session!.waitFor("ack 3", ackOf(releaseId, 3), 60_000);
    const bad = ack.results.find((r) => r.ref?.name === "bad");
    check(bad?.outcome === "Failed" && /invalid/i.test(bad.message), `bad: ${bad?.outcome} ${bad?.message}`);
    check(ack.results.filter((r) => r.ref?.name !== "bad").every((r) => r.outcome === "Unchanged"), `others: ${outcomes(ack).join()}`);
  });
  await step("a restarted agent reads its inventory from the cluster and prunes", async () => {
    await first!.agent.stop();
    const second = await startAgent(cp, 1);
    session = second.session;
    const hello = await session.waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined), 60_000);
    check(hello.inventory.some((r) => r.releaseId === releaseId && r.objects.length === 4), "the inventory did not survive the restart");
    session.send(release(4, { unchanged: [namespace(ns), service(ns, "a"), deployment(ns, "web", 1)] }));
    const ack = await session.waitFor("ack 4", ackOf(releaseId, 4), 60_000);
    check(ack.results.some((r) => r.ref?.name === "b" && r.outcome === "Pruned"), `outcomes: ${outcomes(ack).join()}`);
    check((await read("v1", "Service", "b", ns)) === undefined, "service b is still there");
    first = second;
  });
  await step("deleting the Release prunes everything, the namespace last", async () => {
    session!.send({ case: "releaseDeletion", value: { releaseId, generation: 5 } });
    const ack = await session!.waitFor("deletion", ackOf(releaseId, 5), 60_000);
    check(ack.results.at(-1)?.ref?.kind === "Namespace" && ack.results.every((r) => r.outcome === "Pruned"), `outcomes: ${outcomes(ack).join()}`);
  });
} finally {
  await first?.agent.stop();
  await cp.close();
  for (const name of [ns, inventoryNamespace]) await objects.delete({ apiVersion: "v1", kind: "Namespace", metadata: { name } }).catch(() => undefined);
}
const failed = results.filter(([, error]) => error !== undefined).length;
process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
