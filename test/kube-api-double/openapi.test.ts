import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "./index.js";
import { kubectlMissing, startClientRig, type ClientRig } from "./real-clients.js";
import { rawClient } from "./test-client.js";
import { widgetCrd } from "./widget-crd.js";

const namespaceA = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";
const widgetYaml = (name: string, spec: string) => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}, namespace: a}\nspec: ${spec}\n`;

describe("kube API double: OpenAPI v3", () => {
  let double: KubeApiDouble;
  let raw: ReturnType<typeof rawClient>;
  beforeEach(async () => {
    double = await startKubeApiDouble();
    raw = rawClient(double);
  });
  afterEach(() => double.close());

  it("lists a document per group version, custom resources included once their CRD is stored, with a hash that changes with the document", async () => {
    const before = (await raw("GET", "/openapi/v3")).body.paths as Record<string, { serverRelativeURL: string }>;
    expect(before["api/v1"]?.serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(["apis/apps/v1", "apis/coordination.k8s.io/v1", "apis/apiextensions.k8s.io/v1"]));
    expect(before["apis/example.com/v1"]).toBeUndefined();
    await raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd);
    const after = (await raw("GET", "/openapi/v3")).body.paths as Record<string, { serverRelativeURL: string }>;
    expect(after["apis/example.com/v1"]).toBeDefined();
    expect(after["api/v1"]).toEqual(before["api/v1"]);
    expect(await raw("GET", "/openapi/v3/apis/nothing.example/v1")).toMatchObject({ status: 404 });
  });

  it("publishes each kind's schema tagged with its group, version and kind, and PATCH operations that take fieldValidation", async () => {
    await raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd);
    const doc = (await raw("GET", "/openapi/v3/apis/example.com/v1")).body as {
      paths: Record<string, { patch?: { parameters: { name: string }[]; "x-kubernetes-group-version-kind": unknown } }>;
      components: { schemas: Record<string, { "x-kubernetes-group-version-kind"?: unknown; properties?: Record<string, unknown> }> };
    };
    const schema = doc.components.schemas["com.example.v1.Widget"]!;
    expect(schema["x-kubernetes-group-version-kind"]).toEqual([{ group: "example.com", version: "v1", kind: "Widget" }]);
    expect(schema.properties?.spec).toMatchObject({ required: ["color"], properties: { color: { enum: ["red", "blue"] } } });
    expect(schema.properties?.metadata).toEqual(expect.objectContaining({ allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }] }));
    const patch = doc.paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]!.patch!;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "example.com", version: "v1", kind: "Widget" });
    expect(patch.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(["fieldValidation", "fieldManager", "dryRun", "force"]));
    const core = (await raw("GET", "/openapi/v3/api/v1")).body as typeof doc;
    expect(core.components.schemas["io.k8s.api.core.v1.ConfigMap"]?.["x-kubernetes-group-version-kind"]).toEqual([{ group: "", version: "v1", kind: "ConfigMap" }]);
    // Keyed lists carry their list type and keys, as server-side apply and strategic merge read them.
    const apps = (await raw("GET", "/openapi/v3/apis/apps/v1")).body as typeof doc;
    expect(apps.components.schemas["io.k8s.api.core.v1.PodSpec"]?.properties?.containers).toMatchObject({
      items: { allOf: [{ $ref: "#/components/schemas/io.k8s.api.core.v1.Container" }] },
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge",
    });
    expect(apps.components.schemas["io.k8s.api.core.v1.Container"]?.properties?.ports).toMatchObject({ "x-kubernetes-list-map-keys": ["containerPort", "protocol"] });
  });
});

describe("kube API double: kubectl's validation, api-resources and explain", () => {
  let rig: ClientRig;
  beforeEach(async () => {
    rig = await startClientRig();
  });
  afterEach(() => rig.close());

  it.skipIf(kubectlMissing)(`kubectl apply with default validation validates on the server: an unknown field is refused, a valid object applied (${kubectlMissing ?? "kubectl found"})`, async () => {
    expect(await rig.kubectl(["apply", "-f", "-"], namespaceA)).toMatchObject({ code: 0, stdout: "namespace/a created\n" });
    expect(await rig.kubectl(["apply", "-f", "-"], JSON.stringify(widgetCrd))).toMatchObject({ code: 0 });
    const refused = await rig.kubectl(["apply", "-f", "-"], widgetYaml("w", "{color: red, colour: blue}"));
    expect(refused).toMatchObject({
      code: 1,
      stderr: 'Error from server (BadRequest): error when creating "STDIN": Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour"\n',
    });
    expect(rig.double.requests.filter((r) => r.method === "POST" && r.path.endsWith("/widgets")).map((r) => r.query.fieldValidation)).toEqual(["Strict"]);
    expect(await rig.kubectl(["apply", "-f", "-"], widgetYaml("w", "{color: red}"))).toMatchObject({ code: 0, stdout: "widget.example.com/w created\n" });
    // --validate=false drops the field silently instead, as on a real cluster.
    expect(await rig.kubectl(["apply", "--validate=false", "-f", "-"], widgetYaml("v", "{color: red, colour: blue}"))).toMatchObject({ code: 0, stderr: "" });
  });

  it.skipIf(kubectlMissing)(`kubectl apply --server-side with default validation applies built-in and custom kinds, and reports a conflict (${kubectlMissing ?? "kubectl found"})`, async () => {
    await rig.kubectl(["apply", "--server-side", "-f", "-"], namespaceA);
    await rig.kubectl(["apply", "--server-side", "-f", "-"], JSON.stringify(widgetCrd));
    const configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata: {k: v}\n";
    expect(await rig.kubectl(["apply", "--server-side", "-f", "-"], configMap)).toMatchObject({ code: 0, stdout: "configmap/c serverside-applied\n" });
    expect(await rig.kubectl(["apply", "--server-side", "-f", "-"], widgetYaml("w", "{color: blue}"))).toMatchObject({ code: 0, stdout: "widget.example.com/w serverside-applied\n" });
    const other = await rig.kubectl(["apply", "--server-side", "--field-manager", "other", "-f", "-"], configMap.replace("k: v", "k: w"));
    expect(other.code).toBe(1);
    // An applier is named alone; "using <apiVersion>" marks an updater (kube-apiserver's printManager).
    expect(other.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .data.k');
    expect(await rig.kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager", "other", "-f", "-"], configMap.replace("k: v", "k: w"))).toMatchObject({ code: 0 });
  });

  it.skipIf(kubectlMissing)(`kubectl api-resources lists short names and filters by category; get by category and short name (${kubectlMissing ?? "kubectl found"})`, async () => {
    await rig.kubectl(["apply", "-f", "-"], JSON.stringify(widgetCrd));
    const resources = await rig.kubectl(["api-resources", "--api-group=example.com"]);
    expect(resources.stdout.split("\n").map((l) => l.split(/\s+/))).toEqual([["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], ["widgets", "wd", "example.com/v1", "true", "Widget"], [""]]);
    const all = await rig.kubectl(["api-resources", "-o", "name"]);
    expect(all.stdout.split("\n")).toEqual(expect.arrayContaining(["leases.coordination.k8s.io", "customresourcedefinitions.apiextensions.k8s.io", "deployments.apps", "configmaps"]));
    expect((await rig.kubectl(["api-resources", "--categories=gadgets", "-o", "name"])).stdout).toBe("widgets.example.com\n");
    await rig.kubectl(["apply", "-f", "-"], namespaceA);
    await rig.kubectl(["apply", "-f", "-"], widgetYaml("w", "{color: red}"));
    expect((await rig.kubectl(["get", "gadgets", "-n", "a", "-o", "name"])).stdout).toBe("widget.example.com/w\n");
    expect((await rig.kubectl(["get", "wd", "-n", "a", "-o", "name"])).stdout).toBe("widget.example.com/w\n");
  });

  it.skipIf(kubectlMissing)(`kubectl explain reads a custom kind's and a built-in kind's fields from OpenAPI v3 (${kubectlMissing ?? "kubectl found"})`, async () => {
    await rig.kubectl(["apply", "-f", "-"], JSON.stringify(widgetCrd));
    const spec = await rig.kubectl(["explain", "widgets.spec"]);
    expect(spec.code, spec.stderr).toBe(0);
    expect(spec.stdout).toMatch(/KIND:\s+Widget/);
    expect(spec.stdout).toMatch(/color\s+<string> -required-/);
    expect(spec.stdout).toMatch(/replicas\s+<integer>/);
    const holder = await rig.kubectl(["explain", "leases.spec.holderIdentity"]);
    expect(holder.stdout).toContain("holderIdentity contains the identity of the holder of a current lease.");
    const metadata = await rig.kubectl(["explain", "wd.metadata.labels"]);
    expect(metadata.stdout).toMatch(/FIELD: labels <map\[string\]string>/);
    // Built-in kinds publish their real schemas, nested types by name.
    const containers = await rig.kubectl(["explain", "deployment.spec.template.spec.containers"]);
    expect(containers.stdout).toMatch(/FIELD: containers <\[\]Container>/);
    expect(containers.stdout).toMatch(/ports\s+<\[\]ContainerPort>/);
    expect(containers.stdout).toMatch(/env\s+<\[\]EnvVar>/);
    // An IntOrString field: kubectl prints the referenced type's own type and description under the field's.
    expect((await rig.kubectl(["explain", "service.spec.ports.targetPort"])).stdout).toMatch(/FIELD: targetPort <string>[\s\S]*IntOrString is a type that can hold an int32 or a string/);
  });
});
