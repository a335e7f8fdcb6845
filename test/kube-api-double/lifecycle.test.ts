import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeApiDouble } from "./index.js";
import { kubectlMissing, pythonKubernetesMissing, startClientRig, type ClientRig } from "./real-clients.js";
import { doubleWithNamespace, waitUntil, type rawClient } from "./test-client.js";

const cms = "/api/v1/namespaces/a/configmaps";
const configMap = (name: string, owners: { name: string; uid: string; blockOwnerDeletion?: boolean }[] = [], extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "a", ...(owners.length ? { ownerReferences: owners.map((o) => ({ apiVersion: "v1", kind: "ConfigMap", ...o })) } : {}), ...extra },
});

describe("kube API double: garbage collection, namespace termination, snapshot pages, field selectors", () => {
  let double: KubeApiDouble;
  let raw: ReturnType<typeof rawClient>;
  const exists = (name: string, namespace = "a") => double.find({ apiVersion: "v1", kind: "ConfigMap", namespace, name }) !== undefined;
  /** An owner, a dependent of it, and a dependent of the dependent, each blocking its owner's foreground deletion. */
  async function chain() {
    const owner = (await raw("POST", cms, configMap("owner"))).body as { metadata: { uid: string } };
    const child = (await raw("POST", cms, configMap("child", [{ name: "owner", uid: owner.metadata.uid, blockOwnerDeletion: true }]))).body as { metadata: { uid: string } };
    await raw("POST", cms, configMap("grandchild", [{ name: "child", uid: child.metadata.uid, blockOwnerDeletion: true }]));
  }
  beforeEach(async () => {
    ({ double, raw } = await doubleWithNamespace());
  });
  afterEach(() => double.close());

  it("background deletion (the default) removes the owner at once, then its dependents, down the chain", async () => {
    await chain();
    expect(await raw("DELETE", `${cms}/owner`)).toMatchObject({ status: 200, body: { kind: "Status", status: "Success" } });
    expect(exists("owner")).toBe(false);
    await waitUntil("the dependents to be collected", () => !exists("child") && !exists("grandchild"));
  });

  it("foreground deletion keeps the owner, Terminating with the foregroundDeletion finalizer, until its dependents are gone", async () => {
    await chain();
    // A finalizer on the grandchild holds the whole chain.
    await raw("PATCH", `${cms}/grandchild`, { metadata: { finalizers: ["example.com/hold"] } }, "application/merge-patch+json");
    const deleting = await raw("DELETE", `${cms}/owner`, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Foreground" });
    expect(deleting).toMatchObject({ status: 200, body: { metadata: { name: "owner", finalizers: ["foregroundDeletion"], deletionTimestamp: expect.any(String) } } });
    await waitUntil("the child to be Terminating", () => (double.find({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "child" })?.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined);
    expect(exists("owner")).toBe(true);
    await raw("PATCH", `${cms}/grandchild`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    await waitUntil("the chain to go, owner last", () => !exists("owner"));
    expect(exists("child") || exists("grandchild")).toBe(false);
  });

  it("orphan deletion removes the owner and leaves its dependents without the reference", async () => {
    await chain();
    await raw("DELETE", `${cms}/owner?propagationPolicy=Orphan`);
    await waitUntil("the owner to go", () => !exists("owner"));
    const child = (await raw("GET", `${cms}/child`)).body as { metadata: { ownerReferences?: unknown } };
    expect(child.metadata.ownerReferences).toBeUndefined();
    expect(exists("grandchild")).toBe(true);
    expect(await raw("DELETE", `${cms}/child`, { propagationPolicy: "Sideways" })).toMatchObject({ status: 400 });
  });

  it("a dependent with another owner left loses only the dangling reference", async () => {
    const one = (await raw("POST", cms, configMap("one"))).body as { metadata: { uid: string } };
    const two = (await raw("POST", cms, configMap("two"))).body as { metadata: { uid: string } };
    await raw("POST", cms, configMap("shared", [{ name: "one", uid: one.metadata.uid }, { name: "two", uid: two.metadata.uid }]));
    await raw("DELETE", `${cms}/one`);
    const references = () => (double.find({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "shared" })?.metadata as { ownerReferences?: unknown[] }).ownerReferences;
    await waitUntil("the reference to go", () => references()?.length === 1);
    expect(((await raw("GET", `${cms}/shared`)).body.metadata as { ownerReferences: { name: string }[] }).ownerReferences.map((r) => r.name)).toEqual(["two"]);
  });

  it("a deleted namespace is Terminating while a finalizer holds its content, refuses new objects, then goes", async () => {
    await raw("POST", cms, configMap("held", [], { finalizers: ["example.com/hold"] }));
    await raw("POST", cms, configMap("free"));
    const deleted = await raw("DELETE", "/api/v1/namespaces/a");
    expect(deleted).toMatchObject({ status: 200, body: { kind: "Namespace", status: { phase: "Terminating" }, metadata: { deletionTimestamp: expect.any(String) } } });
    expect(exists("free")).toBe(false);
    expect((await raw("GET", "/api/v1/namespaces/a")).body).toMatchObject({ status: { phase: "Terminating" } });
    expect(await raw("POST", cms, configMap("late"))).toMatchObject({
      status: 403,
      body: { reason: "Forbidden", message: 'configmaps "late" is forbidden: unable to create new content in namespace a because it is being terminated' },
    });
    await raw("PATCH", `${cms}/held`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    expect(await raw("GET", "/api/v1/namespaces/a")).toMatchObject({ status: 404 });
  });

  it("continues a paginated list from the snapshot of its first page; a bad token is 400, a compacted one 410", async () => {
    for (const name of ["c1", "c2", "c3", "c4"]) await raw("POST", cms, configMap(name));
    const first = (await raw("GET", `${cms}?limit=2`)).body as { metadata: { continue: string; resourceVersion: string }; items: { metadata: { name: string } }[] };
    expect(first.items.map((i) => i.metadata.name)).toEqual(["c1", "c2"]);
    // Changes after the first page do not show in the rest of the list.
    await raw("DELETE", `${cms}/c3`);
    await raw("POST", cms, configMap("c5"));
    const rest = (await raw("GET", `${cms}?limit=2&continue=${first.metadata.continue}`)).body as typeof first;
    expect(rest.items.map((i) => i.metadata.name)).toEqual(["c3", "c4"]);
    expect(rest.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(rest.metadata.continue).toBeUndefined();
    expect(await raw("GET", `${cms}?limit=2&continue=not-a-token`)).toMatchObject({ status: 400, body: { reason: "BadRequest", message: expect.stringContaining("continue key is not valid") } });
    double.compact();
    expect(await raw("GET", `${cms}?limit=2&continue=${first.metadata.continue}`)).toMatchObject({ status: 410, body: { reason: "Expired", message: expect.stringContaining("The provided continue parameter is too old") } });
  });

  it("selects by metadata.name and metadata.namespace in lists and watches; an unsupported field is 400", async () => {
    await raw("POST", "/api/v1/namespaces", { metadata: { name: "b" } });
    await raw("POST", cms, configMap("x"));
    await raw("POST", cms, configMap("y"));
    await raw("POST", "/api/v1/namespaces/b/configmaps", { metadata: { name: "x" } });
    const names = async (path: string) => ((await raw("GET", path)).body.items as { metadata: { namespace: string; name: string } }[]).map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
    expect(await names("/api/v1/configmaps?fieldSelector=metadata.name%3Dx")).toEqual(["a/x", "b/x"]);
    expect(await names("/api/v1/configmaps?fieldSelector=metadata.name%3D%3Dx,metadata.namespace!%3Da")).toEqual(["b/x"]);
    expect(await names(`${cms}?fieldSelector=metadata.name!%3Dx`)).toEqual(["a/y"]);
    expect(await raw("GET", `${cms}?fieldSelector=spec.color%3Dred`)).toMatchObject({ status: 400, body: { message: "field label not supported: spec.color" } });
  });
});

describe("kube API double: lifecycle through kubectl and the Python client", () => {
  let rig: ClientRig;
  beforeEach(async () => {
    rig = await startClientRig();
    await rig.kubectl(["apply", "-f", "-"], "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
  });
  afterEach(() => rig.close());

  const ownedYaml = (name: string, owner: string, uid: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: a\n  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: ${owner}, uid: ${uid}}]\n`;

  it.skipIf(kubectlMissing)(`kubectl delete --cascade=orphan keeps dependents, --cascade=foreground takes them first (${kubectlMissing ?? "kubectl found"})`, async () => {
    const uidOf = async (name: string) => (await rig.kubectl(["get", "cm", name, "-n", "a", "-o", "jsonpath={.metadata.uid}"])).stdout;
    await rig.kubectl(["create", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owner, namespace: a}\n");
    await rig.kubectl(["create", "-f", "-"], ownedYaml("kept", "owner", await uidOf("owner")));
    expect(await rig.kubectl(["delete", "cm", "owner", "-n", "a", "--cascade=orphan"])).toMatchObject({ code: 0, stdout: 'configmap "owner" deleted\n' });
    expect((await rig.kubectl(["get", "cm", "kept", "-n", "a", "-o", "jsonpath={.metadata.ownerReferences}"])).stdout).toBe("");
    await rig.kubectl(["create", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owner2, namespace: a}\n");
    await rig.kubectl(["create", "-f", "-"], ownedYaml("gone", "owner2", await uidOf("owner2")));
    expect(await rig.kubectl(["delete", "cm", "owner2", "-n", "a", "--cascade=foreground"])).toMatchObject({ code: 0 });
    expect((await rig.kubectl(["get", "cm", "-n", "a", "-o", "name"])).stdout).toBe("configmap/kept\n");
    expect(rig.double.requests.filter((r) => r.method === "DELETE").length).toBe(2);
  });

  it.skipIf(kubectlMissing)(`kubectl get --chunk-size pages through a list, and --field-selector selects (${kubectlMissing ?? "kubectl found"})`, async () => {
    for (let i = 1; i <= 5; i++) await rig.kubectl(["create", "configmap", `c${i}`, "-n", "a", "--dry-run=client", "-o", "json"]).then((r) => rig.kubectl(["create", "-f", "-"], r.stdout));
    const listed = await rig.kubectl(["get", "cm", "-n", "a", "--chunk-size=2", "-o", "name"]);
    expect(listed.stdout.trim().split("\n")).toEqual(["configmap/c1", "configmap/c2", "configmap/c3", "configmap/c4", "configmap/c5"]);
    expect(rig.double.requests.filter((r) => r.path === "/api/v1/namespaces/a/configmaps" && r.method === "GET").map((r) => Boolean(r.query.continue))).toEqual([false, true, true]);
    expect((await rig.kubectl(["get", "cm", "-n", "a", "--field-selector", "metadata.name=c3", "-o", "name"])).stdout).toBe("configmap/c3\n");
    const unsupported = await rig.kubectl(["get", "cm", "-n", "a", "--field-selector", "data.k=v"]);
    expect(unsupported).toMatchObject({ code: 1, stderr: expect.stringContaining("field label not supported: data.k") });
  });

  it.skipIf(pythonKubernetesMissing)(`the Python client pages with limit and _continue, and selects by field (${pythonKubernetesMissing ?? "python3-kubernetes found"})`, async () => {
    const result = await rig.python(`
for name in ["c1", "c2", "c3"]:
    core.create_namespaced_config_map("a", {"metadata": {"name": name}})
first = core.list_namespaced_config_map("a", limit=2)
core.delete_namespaced_config_map("c3", "a")
rest = core.list_namespaced_config_map("a", limit=2, _continue=first.metadata._continue)
show([[i.metadata.name for i in first.items], [i.metadata.name for i in rest.items], rest.metadata._continue])
show([i.metadata.name for i in core.list_namespaced_config_map("a", field_selector="metadata.name=c2").items])
try:
    core.list_namespaced_config_map("a", limit=2, _continue="bogus")
except kubernetes.client.exceptions.ApiException as e:
    show(e.status)
`);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual([[["c1", "c2"], ["c3"], null], ["c2"], 400]);
  });
});
