import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonOf, kubectlMissing, pythonKubernetesMissing, startClientRig, type ClientRig } from "./real-clients.js";
import { rawClient, waitUntil } from "./test-client.js";

let rig: ClientRig;
beforeEach(async () => {
  rig = await startClientRig();
  await rig.double.kubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: "a" } } });
});
afterEach(() => rig.close());

const configMap = (name: string, data: Record<string, string>) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: a
data:
${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join("\n")}
`;

describe("kube API double over TLS", () => {
  it("serves HTTPS with a certificate its kubeconfig trusts, and client-node reaches it with the token", async () => {
    expect(rig.double.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(rig.double.caCertificate).toContain("BEGIN CERTIFICATE");
    const namespaces = await rig.double.kubeConfig().makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(["a"]);
    // A client that does not trust the certificate is refused by TLS itself.
    await expect(fetch(`${rig.double.url}/version`)).rejects.toThrow();
  });

  it.skipIf(kubectlMissing)(`kubectl reads and writes with its bearer token (${kubectlMissing ?? "kubectl found"})`, async () => {
    const created = await rig.kubectl(["create", "--validate=false", "-f", "-"], configMap("settings", { k: "v" }));
    expect(created).toMatchObject({ code: 0, stdout: "configmap/settings created\n" });
    const read = jsonOf(await rig.kubectl(["get", "configmap", "settings", "-n", "a", "-o", "json"]));
    expect(read).toMatchObject({ kind: "ConfigMap", metadata: { name: "settings", namespace: "a" }, data: { k: "v" } });
    const writes = rig.double.requests.filter((r) => r.method === "POST");
    expect(writes.map((r) => [r.path, r.query.fieldManager])).toEqual([
      ["/api/v1/namespaces", undefined],
      ["/api/v1/namespaces/a/configmaps", "kubectl-create"],
    ]);
  });

  it.skipIf(kubectlMissing)(`kubectl with a wrong token is Unauthorized (${kubectlMissing ?? "kubectl found"})`, async () => {
    const wrong = await rig.kubectl(["get", "configmaps", "-n", "a", "--token", "not-the-token"]);
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining("error: You must be logged in to the server") });
  });

  it.skipIf(kubectlMissing)(`kubectl get -w streams the changes after the current state (${kubectlMissing ?? "kubectl found"})`, async () => {
    const core = rig.double.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "a", body: { metadata: { name: "first" } } });
    const watcher = rig.spawnKubectl(["get", "configmaps", "-n", "a", "-w", "--output-watch-events", "-o", "jsonpath={.type} {.object.metadata.name}{\"\\n\"}"]);
    let out = "";
    watcher.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await waitUntil("kubectl to list the current state", () => out.includes("ADDED first"), 30_000);
    await core.createNamespacedConfigMap({ namespace: "a", body: { metadata: { name: "second" } } });
    await core.deleteNamespacedConfigMap({ namespace: "a", name: "first" });
    await waitUntil("kubectl to see the delete", () => out.includes("DELETED first"), 30_000);
    expect(out.trim().split("\n")).toEqual(["ADDED first", "ADDED second", "DELETED first"]);
  });
});

describe("kube API double: boolean query parameters as kube-apiserver parses them", () => {
  const get = async (path: string) => (await rawClient(rig.double)("GET", path)).text;

  it("reads watch=True, watch=1 and an empty watch= as a watch, and watch=false, watch=FALSE and watch=0 as a list", async () => {
    await rig.double.kubeConfig().makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: "a", body: { metadata: { name: "x" } } });
    for (const value of ["True", "1", "", "yes"]) {
      const text = await get(`/api/v1/namespaces/a/configmaps?watch=${value}&timeoutSeconds=1`);
      expect(JSON.parse(text.trim().split("\n")[0]!), `watch=${value}`).toMatchObject({ type: "ADDED", object: { metadata: { name: "x" } } });
    }
    for (const value of ["false", "FALSE", "0"]) {
      expect(JSON.parse(await get(`/api/v1/namespaces/a/configmaps?watch=${value}`)), `watch=${value}`).toMatchObject({ kind: "ConfigMapList" });
    }
  });
});

describe("kube API double driven by Debian's python3-kubernetes", () => {
  it.skipIf(pythonKubernetesMissing)(`watches with watch=True and sees the current state then changes (${pythonKubernetesMissing ?? "python3-kubernetes found"})`, async () => {
    const core = rig.double.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "a", body: { metadata: { name: "first" } } });
    const run = rig.python(`
w = watch.Watch()
for event in w.stream(core.list_namespaced_config_map, "a", timeout_seconds=20):
    show([event["type"], event["object"].metadata.name])
    sys.stdout.flush()
    if event["object"].metadata.name == "second":
        w.stop()
`);
    await waitUntil("the Python client's watch", () => rig.double.openWatches === 1, 30_000);
    await core.createNamespacedConfigMap({ namespace: "a", body: { metadata: { name: "second" } } });
    const result = await run;
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n").map((l) => JSON.parse(l))).toEqual([["ADDED", "first"], ["ADDED", "second"]]);
    expect(rig.double.requests.find((r) => r.query.watch)?.query.watch).toBe("True");
  });

  it.skipIf(pythonKubernetesMissing)(`applies server-side with force=True, taking a field another manager owns (${pythonKubernetesMissing ?? "python3-kubernetes found"})`, async () => {
    const core = rig.double.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "a", body: { metadata: { name: "c" }, data: { k: "theirs" } }, fieldManager: "someone" });
    const result = await rig.python(`
body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}, "data": {"k": "mine"}})
configmaps = dynamic.resources.get(api_version="v1", kind="ConfigMap")
try:
    dynamic.server_side_apply(configmaps, body, name="c", namespace="a", field_manager="py")
except kubernetes.dynamic.exceptions.ConflictError as e:
    show({"status": e.status, "reason": json.loads(e.body)["reason"]})
applied = dynamic.server_side_apply(configmaps, body, name="c", namespace="a", field_manager="py", force_conflicts=True).to_dict()
show({"data": applied["data"], "managers": {m["manager"]: m["fieldsV1"] for m in applied["metadata"]["managedFields"]}})
`);
    expect(result.stderr).toBe("");
    const [refused, applied] = result.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown);
    expect(refused).toEqual({ status: 409, reason: "Conflict" });
    // The creator keeps the data map itself (it added it); the forced apply took only the key it changed.
    expect(applied).toEqual({ data: { k: "mine" }, managers: { someone: { "f:data": {} }, py: { "f:data": { "f:k": {} } } } });
    expect(rig.double.requests.filter((r) => r.query.force).map((r) => r.query.force)).toEqual(["True"]);
  });
});
