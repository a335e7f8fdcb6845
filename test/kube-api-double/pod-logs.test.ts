import { Agent, request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectlMissing, pythonKubernetesMissing, startClientRig, jsonOf, type ClientRig } from "./real-clients.js";
import { rawClient, waitUntil } from "./test-client.js";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "main", image: "nginx" }, { name: "sidecar", image: "envoy" }] } },
  },
};
const cronJob = {
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "report", namespace: "shop" },
  spec: { schedule: "*/5 * * * *", jobTemplate: { metadata: { labels: { app: "report" } }, spec: { template: { metadata: { labels: { app: "report" } }, spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "busybox" }] } } } } },
};

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe.skipIf(kubectlMissing)("kube API double: workloads' pods, ReplicaSets, Jobs, events and logs, read by kubectl", () => {
  let rig: ClientRig;
  let raw: ReturnType<typeof rawClient>;
  let pods: string[];
  let replicaSet: string;
  beforeAll(async () => {
    rig = await startClientRig();
    raw = rawClient(rig.double);
    await raw("POST", "/api/v1/namespaces", { metadata: { name: "shop" } });
    await raw("POST", "/apis/apps/v1/namespaces/shop/deployments", deployment);
    ({ replicaSet, pods } = rig.double.controllers.rollOutDeployment("shop", "web"));
    const { writeContainerLog } = rig.double.controllers;
    writeContainerLog("shop", pods[0]!, "main", "old one\nold two\n", minutesAgo(30));
    writeContainerLog("shop", pods[0]!, "main", "new one\nnew two\nnew three\n", minutesAgo(1));
  }, 60_000);
  afterAll(() => rig?.close());

  it("runs a Deployment as a ReplicaSet it owns and running, ready pods the ReplicaSet owns, with the events a cluster records", async () => {
    const rs = jsonOf(await rig.kubectl(["get", "rs", replicaSet, "-n", "shop", "-o", "json"])) as { metadata: { ownerReferences: { kind: string; name: string }[]; labels: Record<string, string> }; status: Record<string, number> };
    expect(rs.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Deployment", name: "web", controller: true })]);
    expect(rs.status).toMatchObject({ replicas: 2, readyReplicas: 2 });
    expect(pods).toHaveLength(2);
    const pod = jsonOf(await rig.kubectl(["get", "pod", pods[0]!, "-n", "shop", "-o", "json"])) as { metadata: { labels: Record<string, string>; ownerReferences: { kind: string; name: string }[] }; status: { phase: string; containerStatuses: { name: string; ready: boolean; restartCount: number }[]; conditions: { type: string; status: string }[] } };
    expect(pod.metadata.labels).toMatchObject({ app: "web", "pod-template-hash": replicaSet.slice("web-".length) });
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ReplicaSet", name: replicaSet })]);
    expect(pod.status.phase).toBe("Running");
    expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: "Ready", status: "True" }));
    expect(pod.status.containerStatuses.map((c) => [c.name, c.ready, c.restartCount])).toEqual([["main", true, 0], ["sidecar", true, 0]]);
    const listed = await rig.kubectl(["get", "pods,rs,events", "-n", "shop"]);
    expect(listed.code, listed.stderr).toBe(0);
    for (const name of [...pods, replicaSet]) expect(listed.stdout).toContain(name);
    const events = jsonOf(await rig.kubectl(["get", "events", "-n", "shop", "-o", "json"])) as { items: { involvedObject: { kind: string; name: string }; reason: string; message: string }[] };
    expect(events.items).toContainEqual(expect.objectContaining({ involvedObject: expect.objectContaining({ kind: "Deployment", name: "web" }), reason: "ScalingReplicaSet", message: `Scaled up replica set ${replicaSet} to 2` }));
    expect(events.items).toContainEqual(expect.objectContaining({ involvedObject: expect.objectContaining({ kind: "ReplicaSet", name: replicaSet }), reason: "SuccessfulCreate", message: `Created pod: ${pods[1]}` }));
    expect(events.items).toContainEqual(expect.objectContaining({ involvedObject: expect.objectContaining({ kind: "Pod", name: pods[0] }), reason: "Started" }));
  });

  it("serves kubectl logs with -c, --tail, --since and --timestamps (RFC3339 with nine fractional digits)", async () => {
    const all = await rig.kubectl(["logs", pods[0]!, "-n", "shop", "-c", "main"]);
    expect(all.stdout).toBe("old one\nold two\nnew one\nnew two\nnew three\n");
    expect((await rig.kubectl(["logs", pods[0]!, "-n", "shop", "-c", "main", "--tail", "2"])).stdout).toBe("new two\nnew three\n");
    expect((await rig.kubectl(["logs", pods[0]!, "-n", "shop", "-c", "main", "--since", "10m"])).stdout).toBe("new one\nnew two\nnew three\n");
    expect((await rig.kubectl(["logs", pods[0]!, "-n", "shop", "-c", "main", "--since-time", minutesAgo(5).toISOString().replace(/\.\d+Z$/, "Z")])).stdout).toBe("new one\nnew two\nnew three\n");
    const stamped = (await rig.kubectl(["logs", pods[0]!, "-n", "shop", "-c", "main", "--tail", "1", "--timestamps"])).stdout;
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z new three\n$/);
    expect(Date.parse(stamped.split(" ")[0]!)).toBeLessThan(Date.now() - 30_000);
    expect((await rig.kubectl(["logs", pods[0]!, "-n", "shop", "-c", "sidecar"])).stdout).toBe("");
  });

  it.skipIf(pythonKubernetesMissing)("serves python3-kubernetes' read_namespaced_pod_log, a tail with timestamps and a followed stream", async () => {
    const result = await rig.python(`
tail = core.read_namespaced_pod_log("${pods[0]}", "shop", container="main", tail_lines=2, timestamps=True)
w = watch.Watch()
followed = []
for line in w.stream(core.read_namespaced_pod_log, name="${pods[0]}", namespace="shop", container="main", follow=True):
    followed.append(line)
    if len(followed) == 3:
        w.stop()
show({"tail": tail.splitlines(), "followed": followed})
`);
    expect(result.code, result.stderr).toBe(0);
    const { tail, followed } = JSON.parse(result.stdout) as { tail: string[]; followed: string[] };
    expect(tail.map((l) => l.replace(/^\S+ /, ""))).toEqual(["new two", "new three"]);
    for (const l of tail) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);
    expect(followed).toEqual(["old one", "old two", "new one"]);
  });

  it("answers as kube-apiserver does for a missing pod, an unnamed or unknown container, and invalid options", async () => {
    const path = `/api/v1/namespaces/shop/pods/${pods[0]}/log`;
    expect(await raw("GET", "/api/v1/namespaces/shop/pods/nope/log")).toMatchObject({ status: 404, body: { reason: "NotFound", message: 'pods "nope" not found' } });
    expect(await raw("GET", path)).toMatchObject({ status: 400, body: { message: `a container name must be specified for pod ${pods[0]}, choose one of: [main sidecar]` } });
    expect(await raw("GET", `${path}?container=db`)).toMatchObject({ status: 400, body: { message: `container db is not valid for pod ${pods[0]}` } });
    expect(await raw("GET", `${path}?container=main&tailLines=-1`)).toMatchObject({ status: 422, body: { reason: "Invalid", details: { causes: [expect.objectContaining({ field: "tailLines" })] } } });
    expect(await raw("GET", `${path}?container=main&sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z`)).toMatchObject({ status: 422 });
    expect(await raw("GET", `${path}?container=main&previous=true`)).toMatchObject({ status: 400, body: { message: `previous terminated container "main" in pod "${pods[0]}" not found` } });
    expect((await raw("GET", `${path}?container=main&limitBytes=5`)).text).toBe("old o");
    const missing = await rig.kubectl(["logs", "nope", "-n", "shop"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('pods "nope" not found');
  });

  it("follows a container with kubectl logs -f until it ends; after a restart the earlier run is --previous, and a crash-looping container is waiting", async () => {
    const pod = pods[1]!;
    rig.double.controllers.writeContainerLog("shop", pod, "main", "before\n");
    const follower = rig.spawnKubectl(["logs", "-f", pod, "-n", "shop", "-c", "main"]);
    let out = "";
    follower.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follower.on("exit", resolve));
    await waitUntil("kubectl to print the log so far", () => out === "before\n", 20_000);
    rig.double.controllers.writeContainerLog("shop", pod, "main", "during\n");
    await waitUntil("kubectl to print the new line", () => out === "before\nduring\n", 20_000);
    rig.double.controllers.restartContainer("shop", pod, "main", { reason: "OOMKilled", exitCode: 137 });
    expect(await exited).toBe(0);
    expect(rig.double.controllers.logFollowers()).toBe(0);
    rig.double.controllers.writeContainerLog("shop", pod, "main", "after\n");
    expect((await rig.kubectl(["logs", pod, "-n", "shop", "-c", "main"])).stdout).toBe("after\n");
    expect((await rig.kubectl(["logs", pod, "-n", "shop", "-c", "main", "--previous"])).stdout).toBe("before\nduring\n");
    const status = jsonOf(await rig.kubectl(["get", "pod", pod, "-n", "shop", "-o", "json"])) as { status: { containerStatuses: { name: string; restartCount: number; lastState: { terminated?: { reason: string; exitCode: number } } }[] } };
    expect(status.status.containerStatuses.find((c) => c.name === "main")).toMatchObject({ restartCount: 1, lastState: { terminated: { reason: "OOMKilled", exitCode: 137 } } });

    rig.double.controllers.crashContainer("shop", pod, "sidecar", { reason: "Error", exitCode: 1 });
    const waiting = await raw("GET", `/api/v1/namespaces/shop/pods/${pod}/log?container=sidecar`);
    expect(waiting).toMatchObject({ status: 400, body: { message: `container "sidecar" in pod "${pod}" is waiting to start: CrashLoopBackOff` } });
  }, 60_000);

  it("ends a follower's stream when its pod is deleted, and forgets a follower that went away", async () => {
    const pod = pods[0]!;
    const controller = new AbortController();
    const stream = rawStream(`/api/v1/namespaces/shop/pods/${pod}/log?container=main&follow=true&tailLines=1`, controller.signal);
    await waitUntil("the follow to be open", () => rig.double.controllers.logFollowers() === 1);
    controller.abort();
    await stream.catch(() => undefined);
    await waitUntil("the follower to be forgotten", () => rig.double.controllers.logFollowers() === 0);

    const ended = rawStream(`/api/v1/namespaces/shop/pods/${pod}/log?container=main&follow=true&tailLines=1`);
    await waitUntil("the follow to be open", () => rig.double.controllers.logFollowers() === 1);
    const replacement = rig.double.controllers.replacePod("shop", pod);
    expect(await ended).toBe("new three\n");
    expect(replacement).not.toBe(pod);
    expect(rig.double.find({ apiVersion: "v1", kind: "Pod", namespace: "shop", name: pod })).toBeUndefined();
    expect(rig.double.find({ apiVersion: "v1", kind: "Pod", namespace: "shop", name: replacement })).toMatchObject({ status: { phase: "Running" } });
  });

  it("runs a CronJob as Jobs it owns, each with a pod, finished Complete or Failed", async () => {
    await raw("POST", "/apis/batch/v1/namespaces/shop/cronjobs", cronJob);
    const first = rig.double.controllers.runCronJob("shop", "report", minutesAgo(10));
    rig.double.controllers.writeContainerLog("shop", first.pod, "main", "report 1\n");
    rig.double.controllers.finishJob("shop", first.job);
    const second = rig.double.controllers.runCronJob("shop", "report", minutesAgo(5));
    rig.double.controllers.finishJob("shop", second.job, 2);
    const job = jsonOf(await rig.kubectl(["get", "job", first.job, "-n", "shop", "-o", "json"])) as { metadata: { ownerReferences: { kind: string }[] }; status: { conditions: { type: string }[] } };
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "CronJob", name: "report" })]);
    expect(job.status.conditions).toContainEqual(expect.objectContaining({ type: "Complete", status: "True" }));
    const failed = jsonOf(await rig.kubectl(["get", "job", second.job, "-n", "shop", "-o", "json"])) as { status: { conditions: { type: string }[] } };
    expect(failed.status.conditions).toContainEqual(expect.objectContaining({ type: "Failed", status: "True" }));
    const pod = jsonOf(await rig.kubectl(["get", "pod", first.pod, "-n", "shop", "-o", "json"])) as { metadata: { labels: Record<string, string>; ownerReferences: { kind: string; name: string }[] }; status: { phase: string } };
    expect(pod.metadata.labels).toMatchObject({ app: "report", "job-name": first.job });
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Job", name: first.job })]);
    expect(pod.status.phase).toBe("Succeeded");
    expect((await rig.kubectl(["logs", "-f", first.pod, "-n", "shop"])).stdout).toBe("report 1\n");
  }, 60_000);

  /** A streamed GET's whole body, once the server ends it. */
  function rawStream(path: string, signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      const options = { headers: { authorization: `Bearer ${rig.double.token}` }, agent: new Agent({ ca: rig.double.caCertificate }), ...(signal ? { signal } : {}) };
      const req = request(`${rig.double.url}${path}`, options, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve(text));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  }
});
