import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "../../../test/kube-api-double/index.js";
import { createKubeRestClient } from "./kube-rest-client.js";
import { createKubernetesReplicaDirectory } from "./kubernetes-replica-directory.js";

describe("the replica directory: each replica's address in a Lease of its own", () => {
  let double: KubeApiDouble;
  beforeAll(async () => {
    double = await startKubeApiDouble();
    await createKubeRestClient(double.kubeConfig()).request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "default" } } });
  });
  afterAll(async () => double.close());

  it("finds a live replica's address, not one whose Lease expired or that shut down", async () => {
    let now = Date.parse("2026-12-06T20:00:00Z");
    const replica = (identity: string) =>
      createKubernetesReplicaDirectory({ client: createKubeRestClient(double.kubeConfig()), namespace: "default", identity, leaseDurationMs: 15_000, now: () => now });
    const [a, b] = [replica("host-a-1f2e3d"), replica("host-b-4c5b6a")];
    await a.advertise("http://10.0.0.1:8080");
    expect(await b.addressOf("host-a-1f2e3d")).toBe("http://10.0.0.1:8080");
    expect(await b.addressOf("host-c-000000")).toBeUndefined();
    const lease = double.find({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "openchoreo-replica-host-a-1f2e3d" });
    expect(lease?.spec).toMatchObject({ holderIdentity: "host-a-1f2e3d", leaseDurationSeconds: 15 });
    // Not renewed for a lease duration (its replica died without closing): gone.
    now += 16_000;
    expect(await b.addressOf("host-a-1f2e3d")).toBeUndefined();
    await a.advertise("http://10.0.0.1:8080");
    expect(await b.addressOf("host-a-1f2e3d")).toBe("http://10.0.0.1:8080");
    await a.close();
    expect(await b.addressOf("host-a-1f2e3d")).toBeUndefined();
    await b.close();
  });
});
