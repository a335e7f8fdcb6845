import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { KubeApiDouble } from "./index.js";
import { kubectlMissing, pythonKubernetesMissing, startClientRig, jsonOf, type ClientRig } from "./real-clients.js";
import { doubleWithNamespace, rawClient, waitUntil } from "./test-client.js";
import { widgetCrd } from "./widget-crd.js";

const widget = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name, namespace: "a" }, spec });
const widgets = "/apis/example.com/v1/namespaces/a/widgets";

describe("kube API double: CustomResourceDefinitions (apiextensions.k8s.io/v1)", () => {
  let double: KubeApiDouble;
  let raw: ReturnType<typeof rawClient>;
  beforeEach(async () => {
    ({ double, raw } = await doubleWithNamespace());
    expect((await raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd)).status).toBe(201);
  });
  afterEach(() => double.close());

  it("establishes a CRD (NamesAccepted, Established, the cleanup finalizer) and serves its group and version with short names and categories", async () => {
    await waitUntil("Established", () => JSON.stringify(double.find({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "widgets.example.com" })?.status ?? {}).includes("Established"));
    const crd = (await raw("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")).body;
    expect(crd).toMatchObject({
      metadata: { finalizers: ["customresourcecleanup.apiextensions.k8s.io"] },
      status: {
        conditions: [expect.objectContaining({ type: "NamesAccepted", status: "True" }), expect.objectContaining({ type: "Established", status: "True" })],
        acceptedNames: { kind: "Widget", plural: "widgets", listKind: "WidgetList", shortNames: ["wd"] },
        storedVersions: ["v1"],
      },
    });
    const groups = (await raw("GET", "/apis")).body as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    expect(groups.groups.find((g) => g.name === "example.com")?.preferredVersion.groupVersion).toBe("example.com/v1");
    expect((await raw("GET", "/apis/example.com/v1")).body.resources).toEqual([
      { name: "widgets", singularName: "widget", namespaced: true, kind: "Widget", verbs: expect.arrayContaining(["create", "watch"]), shortNames: ["wd"], categories: ["all", "gadgets"] },
      expect.objectContaining({ name: "widgets/status", verbs: ["get", "patch", "update"] }),
    ]);
    expect(await raw("POST", widgets, widget("w", { color: "red" }))).toMatchObject({ status: 201, body: { kind: "Widget", spec: { color: "red" } } });
  });

  it("prunes unknown fields with a warning (refuses them under fieldValidation=Strict), keeps what x-kubernetes-preserve-unknown-fields keeps, and defaults", async () => {
    const response = await fetch(`${double.url}${widgets}`, {
      method: "POST",
      headers: { authorization: `Bearer ${double.token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...widget("w", { color: "red", forgotten: true, extra: { anything: { goes: 1 } }, labels: { a: "b" } }), status: { bogus: 1 }, topLevel: 1 }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("warning")).toBe('299 - "unknown field \\"spec.forgotten\\"", 299 - "unknown field \\"status.bogus\\"", 299 - "unknown field \\"topLevel\\""');
    const created = (await response.json()) as Record<string, unknown>;
    // Defaulted (replicas), pruned (forgotten, topLevel), preserved (extra); status is the subresource's.
    expect(created.spec).toEqual({ color: "red", replicas: 1, extra: { anything: { goes: 1 } }, labels: { a: "b" } });
    expect(created).not.toHaveProperty("topLevel");
    expect(created).not.toHaveProperty("status");
    const strict = await raw("POST", `${widgets}?fieldValidation=Strict`, widget("s", { color: "red", forgotten: true }));
    expect(strict).toMatchObject({ status: 400, body: { reason: "BadRequest", message: 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.forgotten"' } });
    expect(double.find({ apiVersion: "example.com/v1", kind: "Widget", namespace: "a", name: "s" })).toBeUndefined();
    // Server-side apply is pruned the same way, and its manager owns no pruned field.
    const applied = await raw("PATCH", `${widgets}/p?fieldManager=me`, widget("p", { color: "blue", forgotten: 1 }), "application/apply-patch+yaml");
    expect(applied).toMatchObject({ status: 201, body: { spec: { color: "blue", replicas: 1 } } });
    expect(JSON.stringify((applied.body.metadata as { managedFields: unknown }).managedFields)).not.toContain("forgotten");
  });

  it("validates against the schema: 422 Invalid with each field's path and kube-apiserver's message, nothing stored", async () => {
    const bad = await raw("POST", widgets, widget("w", { color: "green", replicas: -1, size: "big", port: 1.5 }));
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ reason: "Invalid", details: { name: "w", group: "example.com", kind: "Widget" } });
    expect(bad.body.message).toBe(
      'Widget.example.com "w" is invalid: [spec.color: Unsupported value: "green": supported values: "red", "blue", ' +
        "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0, " +
        "spec.size: Invalid value: \"big\": spec.size in body should match '^[0-9]+(Mi|Gi)$', " +
        "spec.port: Invalid value: \"number\": spec.port in body must be of type integer or string: \"number\"]",
    );
    const missing = await raw("POST", widgets, widget("w", { replicas: "two" }));
    expect((missing.body.details as { causes: { field: string; message: string }[] }).causes).toEqual([
      { type: "FieldValueRequired", field: "spec.color", message: "Required value" },
      { type: "FieldValueTypeInvalid", field: "spec.replicas", message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"' },
    ]);
    expect(double.list("example.com/v1", "Widget", "a")).toEqual([]);
  });

  it("writes status only through the status subresource, and spec only through the main resource", async () => {
    await raw("POST", widgets, widget("w", { color: "red" }));
    const status = await raw("PATCH", `${widgets}/w/status`, { spec: { color: "blue" }, status: { conditions: [{ type: "Ready", status: "True" }] } }, "application/merge-patch+json");
    expect(status.body).toMatchObject({ spec: { color: "red" }, status: { conditions: [{ type: "Ready", status: "True" }] }, metadata: { generation: 1 } });
    const main = await raw("PATCH", `${widgets}/w`, { spec: { color: "blue" }, status: { conditions: [] } }, "application/merge-patch+json");
    expect(main.body).toMatchObject({ spec: { color: "blue" }, status: { conditions: [{ type: "Ready", status: "True" }] }, metadata: { generation: 2 } });
  });

  it("serves printer columns as the Table kubectl asks for, dates as ages", async () => {
    await raw("POST", widgets, widget("w", { color: "red" }));
    await raw("PATCH", `${widgets}/w/status`, { status: { conditions: [{ type: "Ready", status: "True" }] } }, "application/merge-patch+json");
    const response = await fetch(`${double.url}${widgets}`, { headers: { authorization: `Bearer ${double.token}`, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" } });
    const table = (await response.json()) as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[]; object: { kind: string } }[] };
    expect(table.kind).toBe("Table");
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Color", "Ready", "Age"]);
    expect(table.rows[0]!.cells).toEqual(["w", "red", "True", expect.stringMatching(/^\d+s$/)]);
    expect(table.rows[0]!.object.kind).toBe("PartialObjectMetadata");
  });

  it("deletes every custom resource with its CRD, then stops serving them", async () => {
    await raw("POST", widgets, widget("w1", { color: "red" }));
    await raw("POST", widgets, widget("w2", { color: "blue" }));
    expect((await raw("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")).status).toBe(200);
    await waitUntil("the CRD to go", () => double.find({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "widgets.example.com" }) === undefined);
    expect(await raw("GET", widgets)).toMatchObject({ status: 404, body: { reason: "NotFound" } });
    expect(await raw("GET", "/apis/example.com/v1")).toMatchObject({ status: 404 });
    // Created again, it starts empty.
    await raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd);
    expect((await raw("GET", widgets)).body.items).toEqual([]);
  });

  it("refuses a CRD apiextensions refuses: a name that is not plural.group, a version without a schema, no storage version", async () => {
    const bad = { ...widgetCrd, metadata: { name: "gadgets.example.com" }, spec: { ...widgetCrd.spec, versions: [{ name: "v1", served: true, storage: false }] } };
    const refused = await raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad);
    expect(refused).toMatchObject({ status: 422, body: { reason: "Invalid" } });
    expect((refused.body.details as { causes: { field: string }[] }).causes.map((c) => c.field)).toEqual(["metadata.name", "spec.versions", "spec.versions[0].schema.openAPIV3Schema"]);
  });
});

describe("kube API double: CRDs through kubectl and the Python client", () => {
  let rig: ClientRig;
  beforeEach(async () => {
    rig = await startClientRig();
  });
  afterEach(() => rig.close());

  it.skipIf(kubectlMissing)(`installs our own CRDs with kubectl apply -k deploy/crds and serves their kinds, columns and short names (${kubectlMissing ?? "kubectl found"})`, async () => {
    const files = readFileSync("deploy/crds/kustomization.yaml", "utf8");
    const count = (parse(files) as { resources: string[] }).resources.length;
    const applied = await rig.kubectl(["apply", "--validate=false", "-k", "deploy/crds"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim().split("\n")).toHaveLength(count);
    expect(applied.stdout).toContain("customresourcedefinition.apiextensions.k8s.io/components.openchoreo.dev created");
    await rig.kubectl(["apply", "--validate=false", "-f", "-"], "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
    const component = "apiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata: {name: shop, namespace: a}\nspec:\n  owner: {projectName: web}\n  type: Service\n  notInTheSchema: 1\n";
    const created = await rig.kubectl(["apply", "--validate=false", "-f", "-"], component);
    expect(created).toMatchObject({ code: 0, stdout: "component.openchoreo.dev/shop created\n" });
    const shown = await rig.kubectl(["get", "comp", "-n", "a"]);
    // Reason has priority 1: only -o wide shows it.
    expect(shown.stdout.split("\n")[0]!.split(/\s+/)).toEqual(["NAME", "PROJECT", "TYPE", "READY", "AGE"]);
    expect((await rig.kubectl(["get", "comp", "-n", "a", "-o", "wide"])).stdout.split("\n")[0]!.split(/\s+/)).toEqual(["NAME", "PROJECT", "TYPE", "READY", "REASON", "AGE"]);
    expect(shown.stdout.split("\n")[1]!.split(/\s+/).slice(0, 3)).toEqual(["shop", "web", "Service"]);
    const stored = jsonOf(await rig.kubectl(["get", "component", "shop", "-n", "a", "-o", "json"]));
    expect(stored.spec).toEqual({ owner: { projectName: "web" }, type: "Service" });
  });

  it.skipIf(pythonKubernetesMissing)(`the Python dynamic client creates a custom resource, pruned and defaulted (${pythonKubernetesMissing ?? "python3-kubernetes found"})`, async () => {
    const { status } = await rawClient(rig.double)("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd);
    expect(status).toBe(201);
    await rawClient(rig.double)("POST", "/api/v1/namespaces", { metadata: { name: "a" } });
    const result = await rig.python(`
widgets = dynamic.resources.get(api_version="example.com/v1", kind="Widget")
created = widgets.create(body={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"color": "red", "unknown": 1}}, namespace="a")
show(created.to_dict()["spec"])
listed = dynamic.resources.get(short_names=["wd"]).get(namespace="a")
show([item.metadata.name for item in listed.items])
`);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual([{ color: "red", replicas: 1 }, ["w"]]);
  });
});
