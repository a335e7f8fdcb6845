import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeApiDouble } from "./index.js";
import { jsonOf, kubectlMissing, pythonKubernetesMissing, startClientRig, type ClientRig } from "./real-clients.js";
import { doubleWithNamespace, type rawClient } from "./test-client.js";

const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "web:1", ports: [{ containerPort: 8080 }] }] } };
const deployment = (extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "a" },
  spec: { selector: { matchLabels: { app: "web" } }, template, ...extra },
});
const causesOf = (body: Record<string, unknown>) => (body.details as { causes: { field: string; message: string }[] }).causes;

describe("kube API double: defaults, validation and limits of the kinds we render", () => {
  let double: KubeApiDouble;
  let raw: ReturnType<typeof rawClient>;
  beforeEach(async () => {
    ({ double, raw } = await doubleWithNamespace());
  });
  afterEach(() => double.close());

  it("names per kind: a Service name is a DNS-1035 label, a Namespace name a DNS-1123 label; a ConfigMap may have dots", async () => {
    const service = await raw("POST", "/api/v1/namespaces/a/services", { metadata: { name: "api.v1" }, spec: { ports: [{ port: 80 }] } });
    expect(service).toMatchObject({ status: 422, body: { message: expect.stringContaining('Service "api.v1" is invalid: metadata.name: Invalid value: "api.v1": a DNS-1035 label must consist of lower case alphanumeric characters') } });
    expect(await raw("POST", "/api/v1/namespaces", { metadata: { name: "team.a" } })).toMatchObject({ status: 422, body: { message: expect.stringContaining("a lowercase RFC 1123 label must consist of") } });
    expect((await raw("POST", "/api/v1/namespaces/a/configmaps", { metadata: { name: "app.config" } })).status).toBe(201);
  });

  it("defaults a Service (protocol, targetPort, type, clusterIP) and a Deployment (replicas, strategy, pod defaults), as kube-apiserver does", async () => {
    const service = (await raw("POST", "/api/v1/namespaces/a/services", { metadata: { name: "api" }, spec: { ports: [{ port: 80 }] } })).body as { spec: Record<string, unknown> };
    expect(service.spec).toMatchObject({ type: "ClusterIP", sessionAffinity: "None", ports: [{ port: 80, protocol: "TCP", targetPort: 80 }], clusterIP: expect.stringMatching(/^10\.96\./) });
    const created = (await raw("POST", "/apis/apps/v1/namespaces/a/deployments", deployment())).body as { spec: Record<string, unknown> };
    expect(created.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: { spec: { restartPolicy: "Always", dnsPolicy: "ClusterFirst", containers: [{ imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log", ports: [{ containerPort: 8080, protocol: "TCP" }] }] } },
    });
  });

  it("refuses bad ports, unnamed ports of a multi-port Service, a selector that misses the template, and a changed Deployment selector", async () => {
    const ports = await raw("POST", "/api/v1/namespaces/a/services", { metadata: { name: "api" }, spec: { ports: [{ port: 0 }, { port: 70000, name: "b" }] } });
    expect(causesOf(ports.body).map((c) => `${c.field}: ${c.message}`)).toEqual([
      // targetPort defaults to port, so it is refused too.
      "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ports[0].name: Required value",
      "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
      "spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
    ]);
    const container = await raw("POST", "/apis/apps/v1/namespaces/a/deployments", deployment({ template: { ...template, spec: { containers: [{ name: "web", ports: [{ containerPort: -1 }] }] } } }));
    expect(causesOf(container.body).map((c) => c.field)).toEqual(["spec.template.spec.containers[0].image", "spec.template.spec.containers[0].ports[0].containerPort"]);
    const mismatch = await raw("POST", "/apis/apps/v1/namespaces/a/deployments", deployment({ selector: { matchLabels: { app: "other" } } }));
    expect(mismatch.body.message).toContain("spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`");
    await raw("POST", "/apis/apps/v1/namespaces/a/deployments", deployment());
    const changed = await raw("PATCH", "/apis/apps/v1/namespaces/a/deployments/web", { spec: { selector: { matchLabels: { app: "web", tier: "x" } }, template: { metadata: { labels: { tier: "x" } } } } }, "application/merge-patch+json");
    expect(changed).toMatchObject({ status: 422, body: { message: expect.stringContaining("spec.selector: Invalid value: ") } });
    expect(changed.body.message).toContain("field is immutable");
  });

  it("turns a Secret's stringData into base64 data and never stores it; an immutable ConfigMap keeps its data", async () => {
    const secret = await raw("POST", "/api/v1/namespaces/a/secrets", { metadata: { name: "s" }, data: { a: Buffer.from("x").toString("base64") }, stringData: { password: "hunter2" } });
    expect(secret.body).toMatchObject({ type: "Opaque", data: { a: "eA==", password: Buffer.from("hunter2").toString("base64") } });
    expect(secret.body).not.toHaveProperty("stringData");
    await raw("POST", "/api/v1/namespaces/a/configmaps", { metadata: { name: "frozen" }, data: { k: "v" }, immutable: true });
    const edit = await raw("PATCH", "/api/v1/namespaces/a/configmaps/frozen", { data: { k: "w" } }, "application/merge-patch+json");
    expect(edit).toMatchObject({ status: 422, body: { message: 'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set' } });
  });

  it("limits: ConfigMap data over 1 MiB and annotations over 256 KiB are 422, an object over 1.5 MiB 413, a request over 3 MiB 413", async () => {
    const big = "x".repeat(1024 * 1024);
    expect(await raw("POST", "/api/v1/namespaces/a/configmaps", { metadata: { name: "big" }, data: { k: big } })).toMatchObject({
      status: 422,
      body: { message: 'ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes' },
    });
    expect(await raw("POST", "/api/v1/namespaces/a/configmaps", { metadata: { name: "noted", annotations: { note: "x".repeat(256 * 1024) } } })).toMatchObject({
      status: 422,
      body: { message: 'ConfigMap "noted" is invalid: metadata.annotations: Too long: must have at most 262144 bytes' },
    });
    const workflow = { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name: "huge" }, spec: { blob: "x".repeat(1.6 * 1024 * 1024) } };
    expect(await raw("POST", "/apis/argoproj.io/v1alpha1/namespaces/a/workflows", workflow)).toMatchObject({ status: 413, body: { reason: "RequestEntityTooLarge" } });
    expect(await raw("POST", "/api/v1/namespaces/a/configmaps", { metadata: { name: "request" }, data: { k: "x".repeat(3.1 * 1024 * 1024) } })).toMatchObject({
      status: 413,
      body: { message: "Request entity too large: limit is 3145728" },
    });
    expect(double.list("v1", "ConfigMap", "a")).toEqual([]);
  });

  it("merges a strategic merge patch's lists by their keys: containers and env by name, container ports by containerPort; $patch: delete removes one", async () => {
    const twoContainers = { ...template, spec: { containers: [{ name: "web", image: "web:1", env: [{ name: "A", value: "1" }] }, { name: "side", image: "side:1" }] } };
    await raw("POST", "/apis/apps/v1/namespaces/a/deployments", deployment({ template: twoContainers }));
    const patch = { spec: { template: { spec: { containers: [{ name: "web", image: "web:2", env: [{ name: "B", value: "2" }], ports: [{ containerPort: 9090 }] }, { name: "side", $patch: "delete" }] } } } };
    const patched = await raw("PATCH", "/apis/apps/v1/namespaces/a/deployments/web", patch, "application/strategic-merge-patch+json");
    const containers = (patched.body as { spec: { template: { spec: { containers: { name: string; image: string; env: unknown; ports: unknown }[] } } } }).spec.template.spec.containers;
    expect(containers.map((c) => [c.name, c.image, c.env, c.ports])).toEqual([["web", "web:2", [{ name: "A", value: "1" }, { name: "B", value: "2" }], [{ containerPort: 9090, protocol: "TCP" }]]]);
    // JSON merge patch replaces the list whole, as kube-apiserver does.
    const merged = await raw("PATCH", "/apis/apps/v1/namespaces/a/deployments/web", { spec: { template: { spec: { containers: [{ name: "only", image: "o:1" }] } } } }, "application/merge-patch+json");
    expect((merged.body as { spec: { template: { spec: { containers: { name: string }[] } } } }).spec.template.spec.containers.map((c) => c.name)).toEqual(["only"]);
  });

  it("generates a name from generateName, and stores nothing under dryRun=All (create, patch, delete)", async () => {
    const generated = (await raw("POST", "/api/v1/namespaces/a/configmaps", { metadata: { generateName: "job-" } })).body as { metadata: { name: string } };
    expect(generated.metadata.name).toMatch(/^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const dry = await raw("POST", "/api/v1/namespaces/a/configmaps?dryRun=All", { metadata: { name: "dry" }, data: { k: "v" } });
    expect(dry).toMatchObject({ status: 201, body: { metadata: { name: "dry", uid: expect.any(String) } } });
    const revision = double.store.revision;
    await raw("PATCH", `/api/v1/namespaces/a/configmaps/${generated.metadata.name}?dryRun=All`, { data: { k: "w" } }, "application/merge-patch+json");
    await raw("DELETE", `/api/v1/namespaces/a/configmaps/${generated.metadata.name}?dryRun=All`);
    expect(double.store.revision).toBe(revision);
    expect(double.list("v1", "ConfigMap", "a").map((c) => (c.metadata as { name: string }).name)).toEqual([generated.metadata.name]);
    expect(await raw("POST", "/api/v1/namespaces/a/configmaps?dryRun=Some", { metadata: { name: "x" } })).toMatchObject({ status: 400 });
  });
});

describe("kube API double: validation and dry runs through kubectl and the Python client", () => {
  let rig: ClientRig;
  beforeEach(async () => {
    rig = await startClientRig();
    await rig.kubectl(["apply", "-f", "-"], "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
  });
  afterEach(() => rig.close());

  const serviceYaml = (name: string, port: number) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: a}\nspec:\n  ports: [{port: ${port}}]\n`;

  it.skipIf(kubectlMissing)(`kubectl apply meets kube-apiserver's refusals; --dry-run=server and diff store nothing; create with generateName (${kubectlMissing ?? "kubectl found"})`, async () => {
    const refused = await rig.kubectl(["apply", "-f", "-"], serviceYaml("api.v1", 0));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The Service "api.v1" is invalid: \n* metadata.name: Invalid value: "api.v1": a DNS-1035 label');
    expect(refused.stderr).toContain("* spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive");
    expect(await rig.kubectl(["apply", "--dry-run=server", "-f", "-"], serviceYaml("api", 80))).toMatchObject({ code: 0, stdout: "service/api created (server dry run)\n" });
    expect((await rig.kubectl(["get", "svc", "-n", "a", "-o", "name"])).stdout).toBe("");
    await rig.kubectl(["apply", "-f", "-"], serviceYaml("api", 80));
    const diff = await rig.kubectl(["diff", "-f", "-"], serviceYaml("api", 81));
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/-\s+- port: 80/);
    expect(diff.stdout).toMatch(/\+\s+- port: 81/);
    expect(jsonOf(await rig.kubectl(["get", "svc", "api", "-n", "a", "-o", "json"]))).toMatchObject({ spec: { ports: [{ port: 80, targetPort: 80, protocol: "TCP" }] } });
    expect(await rig.kubectl(["delete", "svc", "api", "-n", "a", "--dry-run=server"])).toMatchObject({ code: 0, stdout: 'service "api" deleted (server dry run)\n' });
    expect((await rig.kubectl(["get", "svc", "-n", "a", "-o", "name"])).stdout).toBe("service/api\n");
    const patched = await rig.kubectl(["patch", "svc", "api", "-n", "a", "--type=strategic", "-p", '{"spec":{"ports":[{"port":443,"name":"https"},{"port":80,"name":"http"}]}}']);
    expect(patched).toMatchObject({ code: 0, stdout: "service/api patched\n" });
    expect(jsonOf(await rig.kubectl(["get", "svc", "api", "-n", "a", "-o", "json"]))).toMatchObject({ spec: { ports: [{ port: 80, name: "http" }, { port: 443, name: "https" }] } });
    const generated = await rig.kubectl(["create", "-o", "name", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: run-, namespace: a}\n");
    expect(generated.stdout).toMatch(/^configmap\/run-[a-z0-9]{5}\n$/);
  });

  it.skipIf(pythonKubernetesMissing)(`the Python client's string_data is stored as base64 data; a bad port is 422 (${pythonKubernetesMissing ?? "python3-kubernetes found"})`, async () => {
    const result = await rig.python(`
secret = core.create_namespaced_secret("a", client.V1Secret(metadata=client.V1ObjectMeta(name="s"), string_data={"token": "abc"}))
show([secret.data, secret.string_data, secret.type])
try:
    core.create_namespaced_service("a", {"metadata": {"name": "svc"}, "spec": {"ports": [{"port": 0}]}})
except kubernetes.client.exceptions.ApiException as e:
    show([e.status, json.loads(e.body)["details"]["causes"][0]["field"]])
`);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual([[{ token: "YWJj" }, null, "Opaque"], [422, "spec.ports[0].port"]]);
  });
});
