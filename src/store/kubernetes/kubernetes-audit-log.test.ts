import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlPlaneNamespace, startInstalledCluster } from "../../../test/store/support/kubernetes-cluster.js";
import type { KubeApiDouble } from "../../../test/kube-api-double/index.js";
import { auditRecord } from "../contract/audit-contract.js";
import { createKubeRestClient } from "./kube-rest-client.js";
import { createKubernetesAuditLog } from "./kubernetes-audit-log.js";

const record = (name: string, time: number) => auditRecord(name, { time });

describe("kubernetes audit log", () => {
  let double: KubeApiDouble;
  beforeAll(async () => {
    double = await startInstalledCluster();
  });
  afterAll(async () => double.close());

  it("is one log for every replica: each reads what the others appended, newest first", async () => {
    let now = 1_800_000_000_000;
    const replica = () => createKubernetesAuditLog({ client: createKubeRestClient(double.kubeConfig()), namespace: controlPlaneNamespace, retention: { maxAgeMs: 3_600_000, maxRecords: 100 }, now: () => now });
    const [a, b] = [replica(), replica()];
    await a.append([record("first", now)]);
    now += 5;
    await b.append([record("second", now), record("third", now)]);
    now += 5;
    await a.append([record("fourth", now)]);
    for (const log of [a, b]) expect((await log.query({ limit: 10 })).records.map((r) => r.name)).toEqual(["fourth", "third", "second", "first"]);
    expect(double.list("openchoreo.dev/v1alpha1", "AuditBatch", controlPlaneNamespace)).toHaveLength(3);
  });

  it("keeps records within the retention's age and count, dropping the oldest a minute at a time", async () => {
    let now = 1_900_000_000_000;
    const client = createKubeRestClient(double.kubeConfig());
    await client.request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "retention" } } });
    const pruneErrors: unknown[] = [];
    const log = createKubernetesAuditLog({ client, namespace: "retention", retention: { maxAgeMs: 3_600_000, maxRecords: 3 }, now: () => now, onPruneError: (err) => pruneErrors.push(err) });
    await log.append([record("old", now - 2 * 3_600_000)]);
    for (const name of ["a", "b", "c", "d"]) {
      now += 1;
      await log.append([record(name, now)]);
    }
    // Nothing is dropped until a minute has passed since the log opened.
    expect((await log.query({ limit: 10 })).records).toHaveLength(5);
    // A prune that fails is reported and tried again a minute later; the append it follows stands.
    now += 60_000;
    double.failRequests((r) => r.method === "GET" && r.path.endsWith("/namespaces/retention/auditbatches"), 1);
    await log.append([record("e", now)]);
    expect(pruneErrors).toHaveLength(1);
    expect((await log.query({ limit: 10 })).records).toHaveLength(6);
    now += 60_000;
    await log.append([record("f", now)]);
    expect((await log.query({ limit: 10 })).records.map((r) => r.name)).toEqual(["f", "e", "d"]);
  });

  it("splits a large append into objects well under the API server's size limit", async () => {
    const client = createKubeRestClient(double.kubeConfig());
    await client.request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "large" } } });
    const log = createKubernetesAuditLog({ client, namespace: "large", retention: { maxAgeMs: 3_600_000, maxRecords: 100_000 } });
    const records = Array.from({ length: 2_500 }, (_, i) => record(`component-${i}`, Date.now()));
    await log.append(records);
    expect(double.list("openchoreo.dev/v1alpha1", "AuditBatch", "large")).toHaveLength(3);
    const page = await log.query({ limit: 2_500 });
    expect(page.records.map((r) => r.name)).toEqual(records.map((r) => r.name).reverse());
    expect(new Set(page.records.map((r) => r.id)).size).toBe(2_500);
  });
});
