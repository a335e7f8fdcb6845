import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeApiDouble } from "./index.js";
import { kubectlMissing, pythonKubernetesMissing, startClientRig, type ClientRig } from "./real-clients.js";
import { doubleWithNamespace, type rawClient } from "./test-client.js";

const leases = "/apis/coordination.k8s.io/v1/namespaces/a/leases";
const lease = (holder: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "leader", namespace: "a", ...extra },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: "2026-12-06T10:00:00.000000Z", renewTime: "2026-12-06T10:00:00.000000Z", leaseTransitions: 0 },
});

describe("kube API double: Leases (coordination.k8s.io/v1)", () => {
  let double: KubeApiDouble;
  let raw: ReturnType<typeof rawClient>;
  beforeEach(async () => {
    ({ double, raw } = await doubleWithNamespace());
  });
  afterEach(() => double.close());

  it("is served in discovery, created once (a second create is AlreadyExists) and read back with MicroTime as written", async () => {
    expect((await raw("GET", "/apis/coordination.k8s.io/v1")).body.resources).toEqual([expect.objectContaining({ name: "leases", namespaced: true, kind: "Lease" })]);
    const created = await raw("POST", leases, lease("a-1"));
    expect(created).toMatchObject({ status: 201, body: { spec: { holderIdentity: "a-1", renewTime: "2026-12-06T10:00:00.000000Z" } } });
    expect(await raw("POST", leases, lease("b-1"))).toMatchObject({ status: 409, body: { reason: "AlreadyExists", message: 'leases.coordination.k8s.io "leader" already exists' } });
  });

  it("lets only one of two candidates that read the same resourceVersion take it: the other gets 409 Conflict", async () => {
    const read = (await raw("POST", leases, lease("a-1"))).body as { metadata: { resourceVersion: string } };
    const version = read.metadata.resourceVersion;
    const [first, second] = await Promise.all([
      raw("PUT", `${leases}/leader`, lease("b-1", { resourceVersion: version })),
      raw("PUT", `${leases}/leader`, lease("c-1", { resourceVersion: version })),
    ]);
    expect([first.status, second.status]).toEqual([200, 409]);
    expect(second.body).toMatchObject({ reason: "Conflict", message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "leader": the object has been modified; please apply your changes to the latest version and try again' });
    const now = (await raw("GET", `${leases}/leader`)).body as { spec: { holderIdentity: string }; metadata: { resourceVersion: string } };
    expect(now.spec.holderIdentity).toBe("b-1");
    expect(now.metadata.resourceVersion).not.toBe(version);
  });

  it("refuses a non-positive duration and negative transitions with 422, and drops unknown spec fields", async () => {
    const bad = await raw("POST", leases, { ...lease("a"), spec: { holderIdentity: "a", leaseDurationSeconds: 0, leaseTransitions: -1 } });
    expect(bad).toMatchObject({ status: 422, body: { message: 'Lease.coordination.k8s.io "leader" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]' } });
    const pruned = await raw("POST", leases, { ...lease("a"), spec: { holderIdentity: "a", holder: "typo" } });
    expect(pruned.body.spec).toEqual({ holderIdentity: "a" });
  });
});

describe("kube API double: Leases through the Python client and kubectl", () => {
  let rig: ClientRig;
  beforeEach(async () => {
    rig = await startClientRig();
  });
  afterEach(() => rig.close());

  it.skipIf(pythonKubernetesMissing)(`CoordinationV1Api: create, a replace from a stale read is 409, from a fresh read 200 (${pythonKubernetesMissing ?? "python3-kubernetes found"})`, async () => {
    const result = await rig.python(`
coordination = client.CoordinationV1Api(api)
core.create_namespace({"metadata": {"name": "a"}})
spec = {"holderIdentity": "py-1", "leaseDurationSeconds": 10, "renewTime": "2026-12-06T10:00:00.000000Z"}
created = coordination.create_namespaced_lease("a", {"metadata": {"name": "leader"}, "spec": spec})
renewed = coordination.replace_namespaced_lease("leader", "a", {"metadata": {"name": "leader", "resourceVersion": created.metadata.resource_version}, "spec": dict(spec, holderIdentity="py-2")})
try:
    coordination.replace_namespaced_lease("leader", "a", {"metadata": {"name": "leader", "resourceVersion": created.metadata.resource_version}, "spec": dict(spec, holderIdentity="py-3")})
    show("replaced from a stale read")
except kubernetes.client.exceptions.ApiException as e:
    show(e.status)
show(coordination.read_namespaced_lease("leader", "a").spec.holder_identity)
show(renewed.spec.renew_time.isoformat())
`);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual([409, "py-2", "2026-12-06T10:00:00+00:00"]);
  });

  it.skipIf(kubectlMissing)(`kubectl get leases shows the holder (${kubectlMissing ?? "kubectl found"})`, async () => {
    await rig.kubectl(["apply", "--validate=false", "-f", "-"], "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
    await rig.kubectl(["apply", "--validate=false", "-f", "-"], JSON.stringify(lease("a-1")));
    const shown = await rig.kubectl(["get", "leases", "-n", "a"]);
    expect(shown.stdout.split("\n").map((l) => l.split(/\s+/).slice(0, 2))).toEqual([["NAME", "HOLDER"], ["leader", "a-1"], [""]]);
  });
});
