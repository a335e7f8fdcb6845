import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { kubectlMissing, pythonKubernetesMissing, startClientRig, type ClientRig } from "./real-clients.js";
import { rawClient, type RawResponse } from "./test-client.js";

// Server-side apply of lists merged by their keys, as structured-merge-diff does it in kube-apiserver:
// containers by name, container ports by containerPort and protocol, env by name, Service ports by port
// and protocol, a custom resource's lists by its schema's x-kubernetes-list-map-keys.

let rig: ClientRig;
let raw: ReturnType<typeof rawClient>;
beforeEach(async () => {
  rig = await startClientRig();
  raw = rawClient(rig.double);
  await raw("POST", "/api/v1/namespaces", { metadata: { name: "a" } });
});
afterEach(() => rig.close());

type Container = { name: string; image?: string; ports?: { containerPort: number; protocol?: string }[]; env?: { name: string; value: string }[] };
const deployment = (containers: Container[], extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "a" },
  spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers } }, ...extra },
});
/** A partial configuration, as a second applier sends it: only the container it manages. */
const onlyContainers = (containers: Container[]) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "a" },
  spec: { template: { spec: { containers } } },
});
const deploymentPath = "/apis/apps/v1/namespaces/a/deployments/web";
const apply = (path: string, body: unknown, manager: string, force = false) =>
  raw("PATCH", `${path}?fieldManager=${manager}${force ? "&force=true" : ""}`, body, "application/apply-patch+yaml");
const containersOf = (response: RawResponse) => (response.body as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers;
const fieldsOf = (response: RawResponse, manager: string) =>
  ((response.body.metadata as { managedFields?: { manager: string; fieldsV1: Record<string, unknown> }[] }).managedFields ?? []).find((m) => m.manager === manager)?.fieldsV1;

describe("kube API double: server-side apply merges lists by their keys", () => {
  it("records each container, port and env var by its key in managedFields", async () => {
    const created = await apply(deploymentPath, deployment([{ name: "app", image: "app:1", ports: [{ containerPort: 8080 }], env: [{ name: "MODE", value: "fast" }] }]), "release");
    expect(created.status).toBe(201);
    const spec = (fieldsOf(created, "release") as { "f:spec": { "f:template": { "f:spec": { "f:containers": Record<string, unknown> } } } })["f:spec"]["f:template"]["f:spec"]["f:containers"];
    expect(spec).toEqual({
      'k:{"name":"app"}': {
        ".": {},
        "f:name": {},
        "f:image": {},
        // The protocol left out counts with its default in the key, as kube-apiserver's schema gives it.
        "f:ports": { 'k:{"containerPort":8080,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
        "f:env": { 'k:{"name":"MODE"}': { ".": {}, "f:name": {}, "f:value": {} } },
      },
    });
    // The selector is an atomic map (a LabelSelector): owned whole.
    expect((fieldsOf(created, "release") as { "f:spec": Record<string, unknown> })["f:spec"]["f:selector"]).toEqual({});
  });

  it("lets two appliers own different containers; each keeps the other's when it applies again", async () => {
    await apply(deploymentPath, deployment([{ name: "app", image: "app:1" }]), "release");
    const injected = await apply(deploymentPath, onlyContainers([{ name: "proxy", image: "proxy:1" }]), "injector");
    expect(injected.status).toBe(200);
    expect(containersOf(injected).map((c) => `${c.name}=${c.image}`)).toEqual(["app=app:1", "proxy=proxy:1"]);
    const again = await apply(deploymentPath, deployment([{ name: "app", image: "app:2" }]), "release");
    expect(containersOf(again).map((c) => `${c.name}=${c.image}`)).toEqual(["app=app:2", "proxy=proxy:1"]);
    expect(Object.keys((fieldsOf(again, "injector") as { "f:spec": { "f:template": { "f:spec": { "f:containers": object } } } })["f:spec"]["f:template"]["f:spec"]["f:containers"])).toEqual([
      'k:{"name":"proxy"}',
    ]);
  });

  it("refuses to change a container field another applier owns, naming the manager and the item's path, unless forced", async () => {
    await apply(deploymentPath, deployment([{ name: "app", image: "app:1" }]), "release");
    const refused = await apply(deploymentPath, onlyContainers([{ name: "app", image: "app:evil" }]), "other");
    expect(refused).toMatchObject({
      status: 409,
      body: {
        reason: "Conflict",
        message: 'Apply failed with 1 conflict: conflict with "release": .spec.template.spec.containers[name="app"].image',
        details: { causes: [{ type: "FieldManagerConflict", field: '.spec.template.spec.containers[name="app"].image', message: 'conflict with "release"' }] },
      },
    });
    // The same value is shared ownership; a new field in the same item is no conflict either.
    expect((await apply(deploymentPath, onlyContainers([{ name: "app", image: "app:1", env: [{ name: "X", value: "1" }] }]), "other")).status).toBe(200);
    const forced = await apply(deploymentPath, onlyContainers([{ name: "app", image: "app:evil" }]), "other", true);
    expect(containersOf(forced)[0]).toMatchObject({ image: "app:evil" });
    const release = fieldsOf(forced, "release") as { "f:spec": { "f:template": { "f:spec": { "f:containers": Record<string, Record<string, unknown>> } } } };
    expect(release["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"app"}']).not.toHaveProperty("f:image");
  });

  it("removes the containers, ports and env vars an applier alone owned when it applies without them, and keeps those another manager owns", async () => {
    await apply(
      deploymentPath,
      deployment([
        { name: "app", image: "app:1", ports: [{ containerPort: 8080 }, { containerPort: 9090 }], env: [{ name: "A", value: "1" }, { name: "B", value: "2" }] },
        { name: "worker", image: "worker:1" },
      ]),
      "release",
    );
    // Another manager (an Update, as kubectl edit is) adds an env var to the same container.
    const patch = { spec: { template: { spec: { containers: [{ name: "app", env: [{ name: "DEBUG", value: "on" }] }] } } } };
    expect((await raw("PATCH", `${deploymentPath}?fieldManager=kubectl-edit`, patch, "application/strategic-merge-patch+json")).status).toBe(200);
    const next = await apply(deploymentPath, deployment([{ name: "app", image: "app:1", ports: [{ containerPort: 8080 }], env: [{ name: "A", value: "1" }] }]), "release");
    expect(next.status).toBe(200);
    const containers = containersOf(next);
    expect(containers.map((c) => c.name)).toEqual(["app"]);
    expect(containers[0]!.ports).toEqual([{ containerPort: 8080, protocol: "TCP" }]);
    expect(containers[0]!.env).toEqual([
      { name: "A", value: "1" },
      { name: "DEBUG", value: "on" },
    ]);
  });

  it("removes every label an applier stops applying, and nothing of the object's identity", async () => {
    const path = "/api/v1/namespaces/a/configmaps/c";
    await apply(path, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "a", labels: { app: "web" } }, data: { k: "v" } }, "release");
    const bare = await apply(path, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "a" }, data: { k: "v" } }, "release");
    expect(bare).toMatchObject({ status: 200, body: { metadata: { name: "c", namespace: "a", uid: expect.any(String) }, data: { k: "v" } } });
    expect((bare.body.metadata as { labels?: unknown }).labels).toBeUndefined();
    expect(fieldsOf(bare, "release")).toEqual({ "f:data": { "f:k": {} } });
  });

  it("merges Service ports by port and protocol: two appliers, one port each, the same number over UDP is another port", async () => {
    const service = (ports: { name: string; port: number; protocol?: string }[]) => ({ apiVersion: "v1", kind: "Service", metadata: { name: "svc", namespace: "a" }, spec: { ports } });
    const path = "/api/v1/namespaces/a/services/svc";
    await apply(path, service([{ name: "http", port: 80 }]), "release");
    const both = await apply(path, service([{ name: "dns", port: 80, protocol: "UDP" }]), "dns");
    expect((both.body as { spec: { ports: unknown[] } }).spec.ports).toEqual([
      { name: "http", port: 80, protocol: "TCP", targetPort: 80 },
      { name: "dns", port: 80, protocol: "UDP", targetPort: 80 },
    ]);
    expect(Object.keys((fieldsOf(both, "dns") as { "f:spec": { "f:ports": object } })["f:spec"]["f:ports"])).toEqual(['k:{"port":80,"protocol":"UDP"}']);
    const conflict = await apply(path, service([{ name: "web", port: 80 }]), "dns");
    expect(conflict).toMatchObject({ status: 409, body: { message: 'Apply failed with 1 conflict: conflict with "release": .spec.ports[port=80,protocol="TCP"].name' } });
  });

  it("merges a custom resource's list by the x-kubernetes-list-map-keys of its schema, and a set by value", async () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "gateways.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { kind: "Gateway", plural: "gateways", singular: "gateway", listKind: "GatewayList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    properties: {
                      listeners: {
                        type: "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        items: { type: "object", required: ["name"], properties: { name: { type: "string" }, port: { type: "integer" } } },
                      },
                      hosts: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
                      tags: { type: "array", items: { type: "string" } },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    expect((await raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status).toBe(201);
    const gateway = (spec: Record<string, unknown>) => ({ apiVersion: "example.com/v1", kind: "Gateway", metadata: { name: "g", namespace: "a" }, spec });
    const path = "/apis/example.com/v1/namespaces/a/gateways/g";
    await apply(path, gateway({ listeners: [{ name: "http", port: 80 }], hosts: ["a.example"], tags: ["x"] }), "one");
    const merged = await apply(path, gateway({ listeners: [{ name: "https", port: 443 }], hosts: ["b.example"], tags: ["y"] }), "two", true);
    expect(merged.body.spec).toEqual({
      listeners: [
        { name: "http", port: 80 },
        { name: "https", port: 443 },
      ],
      hosts: ["a.example", "b.example"],
      // A list without a list type is atomic: the forced apply replaced it whole.
      tags: ["y"],
    });
    expect((fieldsOf(merged, "two") as { "f:spec": Record<string, unknown> })["f:spec"]).toEqual({
      "f:listeners": { 'k:{"name":"https"}': { ".": {}, "f:name": {}, "f:port": {} } },
      "f:hosts": { 'v:"b.example"': {} },
      "f:tags": {},
    });
  });

  it("refuses a configuration whose keyed list has an item without its key or the same key twice (400)", async () => {
    const missing = await apply(deploymentPath, deployment([{ image: "x" } as Container]), "release");
    expect(missing).toMatchObject({ status: 400, body: { message: expect.stringContaining('associative list with keys has an element that omits all key fields ["name"]') } });
    const twice = await apply(deploymentPath, deployment([{ name: "app", image: "x" }, { name: "app", image: "y" }]), "release");
    expect(twice).toMatchObject({ status: 400, body: { message: expect.stringContaining('duplicate entries for key {"name":"app"}') } });
    expect(rig.double.find({ apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" })).toBeUndefined();
  });

  const deploymentYaml = (manager: string, containers: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
${containers}
# applied by ${manager}
`;

  it.skipIf(kubectlMissing)(`kubectl apply --server-side: two field managers own a container each; a conflict names the item (${kubectlMissing ?? "kubectl found"})`, async () => {
    const first = await rig.kubectl(["apply", "--server-side", "-f", "-"], deploymentYaml("kubectl", "      - {name: app, image: 'app:1'}"));
    expect(first).toMatchObject({ code: 0, stdout: "deployment.apps/web serverside-applied\n" });
    const second = await rig.kubectl(["apply", "--server-side", "--field-manager", "mesh", "-f", "-"], deploymentYaml("mesh", "      - {name: proxy, image: 'proxy:1'}"));
    expect(second).toMatchObject({ code: 0 });
    const names = await rig.kubectl(["get", "deployment", "web", "-n", "a", "-o", "jsonpath={.spec.template.spec.containers[*].name}"]);
    expect(names.stdout).toBe("app proxy");
    const conflict = await rig.kubectl(["apply", "--server-side", "--field-manager", "mesh", "-f", "-"], deploymentYaml("mesh", "      - {name: app, image: 'app:2'}"));
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.template.spec.containers[name="app"].image');
  });

  it.skipIf(kubectlMissing)(`kubectl apply --server-side after kubectl apply takes the fields client-side apply set, unless someone changed them since (${kubectlMissing ?? "kubectl found"})`, async () => {
    const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: a}\ndata: {k: ${value}}\n`;
    expect(await rig.kubectl(["apply", "-f", "-"], configMap("c", "one"))).toMatchObject({ code: 0 });
    expect(await rig.kubectl(["apply", "--server-side", "-f", "-"], configMap("c", "two"))).toMatchObject({ code: 0, stdout: "configmap/c serverside-applied\n" });
    expect(rig.double.find({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "c" })?.data).toEqual({ k: "two" });
    // Changed behind client-side apply's back: the last-applied value no longer holds, so it is a conflict.
    expect(await rig.kubectl(["apply", "-f", "-"], configMap("d", "one"))).toMatchObject({ code: 0 });
    await raw("PATCH", "/api/v1/namespaces/a/configmaps/d?fieldManager=kubectl-edit", { data: { k: "edited" } }, "application/merge-patch+json");
    const conflict = await rig.kubectl(["apply", "--server-side", "-f", "-"], configMap("d", "two"));
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('conflict with "kubectl-edit" using v1: .data.k');
  });

  it.skipIf(pythonKubernetesMissing)(`the Python client's server-side apply keeps another manager's env var and drops its own (${pythonKubernetesMissing ?? "python3-kubernetes found"})`, async () => {
    await apply(deploymentPath, deployment([{ name: "app", image: "app:1", env: [{ name: "THEIRS", value: "1" }] }]), "platform");
    const result = await rig.python(`
deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
def body(env):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "env": env}]}}}}
dynamic.server_side_apply(deployments, json.dumps(body([{"name": "MINE", "value": "a"}, {"name": "GONE", "value": "b"}])), name="web", namespace="a", field_manager="py")
applied = dynamic.server_side_apply(deployments, json.dumps(body([{"name": "MINE", "value": "a"}])), name="web", namespace="a", field_manager="py").to_dict()
show([e["name"] for e in applied["spec"]["template"]["spec"]["containers"][0]["env"]])
`);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(["THEIRS", "MINE"]);
  });
});
