import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSystemClock } from "../../core/clock.js";
import { createLeaseLeaderElector } from "../../core/lease-leader-elector.js";
import { isAlreadyExistsError, isConflictError } from "../../errors/index.js";
import { startKubeApiDouble, type KubeApiDouble } from "../../../test/kube-api-double/index.js";
import { withTimeout } from "../contract/contract-fixtures.js";
import { createKubeRestClient, type KubeRestClient } from "./kube-rest-client.js";
import { createKubernetesLeaseClient } from "./kubernetes-lease-client.js";

const record = (holderIdentity: string, at: number) => ({ holderIdentity, leaseDurationMs: 15_000, acquireTime: at, renewTime: at, leaseTransitions: 0 });

describe("Lease client over the Kubernetes API", () => {
  let double: KubeApiDouble;
  let rest: KubeRestClient;
  beforeEach(async () => {
    double = await startKubeApiDouble();
    rest = createKubeRestClient(double.kubeConfig());
    await rest.request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "openchoreo" } } });
  });
  afterEach(() => double.close());

  it("reads, creates once and updates only from the version it read, as a coordination.k8s.io/v1 Lease", async () => {
    const lease = createKubernetesLeaseClient(rest, "openchoreo", "openchoreo-control-plane");
    expect(await lease.get()).toBeUndefined();
    const at = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
    const created = await lease.create(record("a", at));
    expect(created.record).toEqual(record("a", at));
    expect(isAlreadyExistsError(await lease.create(record("b", at)).catch((e: unknown) => e))).toBe(true);
    const updated = await lease.update({ ...record("b", at + 1000), leaseTransitions: 1 }, created.version);
    expect(isConflictError(await lease.update(record("c", at), created.version).catch((e: unknown) => e))).toBe(true);
    expect((await lease.get())?.record).toEqual(updated.record);
    const stored = double.find({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "openchoreo", name: "openchoreo-control-plane" });
    expect(stored?.spec).toEqual({
      holderIdentity: "b",
      leaseDurationSeconds: 15,
      acquireTime: "2026-01-01T12:00:01.250000Z",
      renewTime: "2026-01-01T12:00:01.250000Z",
      leaseTransitions: 1,
    });
  });

  it("lets two electors share one Lease: one leads, and the other takes over once it is released", async () => {
    const logger = pino({ level: "silent" });
    const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 };
    const leading = new Set<string>();
    const gained: string[] = [];
    const electors = ["a", "b"].map((identity) => {
      const stop = new AbortController();
      const elector = createLeaseLeaderElector({ lease: createKubernetesLeaseClient(rest, "openchoreo", "openchoreo-control-plane"), identity, clock: createSystemClock(), logger, timings });
      let onGain!: () => void;
      const gainedOnce = new Promise<void>((resolve) => (onGain = resolve));
      const done = elector.run(
        {
          onStartedLeading: () => {
            leading.add(identity);
            gained.push(identity);
            onGain();
          },
          onStoppedLeading: () => void leading.delete(identity),
        },
        stop.signal,
      );
      return { identity, stop, done, gainedOnce };
    });
    const first = await withTimeout(Promise.race(electors.map((e) => e.gainedOnce.then(() => e))), 5_000, "a leader");
    expect([...leading]).toEqual([first.identity]);
    first.stop.abort();
    await first.done;
    const second = electors.find((e) => e !== first)!;
    await withTimeout(second.gainedOnce, 2_000, "the other elector to lead after the release");
    expect([...leading]).toEqual([second.identity]);
    expect(gained).toEqual([first.identity, second.identity]);
    second.stop.abort();
    await second.done;
  });
});
