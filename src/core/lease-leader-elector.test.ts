import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AlreadyExistsError, ConflictError } from "../errors/index.js";
import { createFakeClock, type FakeClock } from "./clock.js";
import { createLeaseLeaderElector, type LeaseClient, type LeaseRecord, type ObservedLease } from "./lease-leader-elector.js";

const logger = pino({ level: "silent" });
const timings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** The API server's copy of the Lease, shared by every candidate. */
function createLeaseServer() {
  let stored: ObservedLease | undefined;
  let version = 0;
  return {
    get current() {
      return stored;
    },
    /** A client as one candidate sees the server: `down` fails its calls, `hang` never answers them. */
    client(): LeaseClient & { down: boolean; hang: boolean } {
      const client = {
        description: "test/lease",
        down: false,
        hang: false,
        get: () => network(() => stored && structuredClone(stored)),
        create: (record: LeaseRecord) => network(() => write(record, () => !stored, () => new AlreadyExistsError("exists"))),
        update: (record: LeaseRecord, expected: string) =>
          network(() => write(record, () => stored?.version === expected, () => new ConflictError("moved on"))),
      };
      async function network<T>(call: () => T): Promise<T> {
        await Promise.resolve();
        if (client.hang) return new Promise<T>(() => undefined);
        if (client.down) throw new Error("connection refused");
        return call();
      }
      return client;
    },
  };

  function write(record: LeaseRecord, allowed: () => boolean, refusal: () => Error): ObservedLease {
    if (!allowed()) throw refusal();
    stored = { record, version: String(++version) };
    return structuredClone(stored);
  }
}

/** Moves the fake clock in small steps, letting promises settle between them. */
async function advance(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done));
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Candidate {
  readonly name: string;
  readonly client: ReturnType<ReturnType<typeof createLeaseServer>["client"]>;
  readonly stop: AbortController;
  readonly done: Promise<void>;
  leading: boolean;
  /** Holds onStoppedLeading until resolved (undefined: returns at once). */
  stopping?: Promise<void>;
}

describe("lease leader elector", () => {
  const running: Candidate[] = [];
  afterEach(async () => {
    for (const c of running) c.stop.abort();
    running.length = 0;
  });

  function setup() {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    const server = createLeaseServer();
    const log: string[] = [];
    const start = (name: string): Candidate => {
      const client = server.client();
      const stop = new AbortController();
      const candidate: Candidate = { name, client, stop, leading: false, done: Promise.resolve() };
      const elector = createLeaseLeaderElector({ lease: client, identity: name, clock, logger, timings, random: () => 0.5 });
      (candidate as { done: Promise<void> }).done = elector.run(
        {
          onStartedLeading() {
            candidate.leading = true;
            log.push(`${name} started at ${clock.now() - Date.UTC(2026, 0, 1)}`);
          },
          async onStoppedLeading() {
            await candidate.stopping;
            candidate.leading = false;
            log.push(`${name} stopped at ${clock.now() - Date.UTC(2026, 0, 1)}`);
          },
        },
        stop.signal,
      );
      running.push(candidate);
      return candidate;
    };
    return { clock, server, log, start };
  }

  it("elects exactly one of several candidates, which keeps leading while it renews", async () => {
    const { clock, server, start, log } = setup();
    const candidates = ["a", "b", "c"].map(start);
    await advance(clock, 1_000);
    expect(candidates.filter((c) => c.leading)).toHaveLength(1);
    const leader = candidates.find((c) => c.leading)!;
    await advance(clock, 60_000);
    expect(candidates.filter((c) => c.leading)).toEqual([leader]);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(new RegExp(`^${leader.name} started`));
    expect(server.current?.record.holderIdentity).toBe(leader.name);
    expect(server.current?.record.renewTime).toBeGreaterThan(Date.UTC(2026, 0, 1) + 55_000);
  });

  for (const failure of ["down", "hang"] as const) {
    it(`a leader whose API calls ${failure === "down" ? "fail" : "never answer"} stops by the renew deadline, before another takes over`, async () => {
      const { clock, start, log, server } = setup();
      const a = start("a");
      await advance(clock, 500);
      const b = start("b");
      await advance(clock, 5_000);
      expect([a.leading, b.leading]).toEqual([true, false]);
      const renewedAt = server.current!.record.renewTime - Date.UTC(2026, 0, 1);
      a.client[failure] = true;
      await advance(clock, 30_000);
      expect([a.leading, b.leading]).toEqual([false, true]);
      const stoppedAt = Number(log.find((l) => l.startsWith("a stopped"))!.split(" at ")[1]);
      const takenAt = Number(log.find((l) => l.startsWith("b started"))!.split(" at ")[1]);
      expect(stoppedAt).toBeLessThanOrEqual(renewedAt + timings.renewDeadlineMs);
      expect(takenAt).toBeGreaterThanOrEqual(renewedAt + timings.leaseDurationMs);
      expect(takenAt).toBeLessThanOrEqual(renewedAt + timings.leaseDurationMs + 2 * timings.retryPeriodMs);
      expect(server.current?.record.leaseTransitions).toBe(1);
    });
  }

  it("on stop, stops its controllers first, then releases the Lease so a successor starts at once", async () => {
    const { clock, start, log, server } = setup();
    const a = start("a");
    await advance(clock, 500);
    const b = start("b");
    await advance(clock, 5_000);
    let finishStopping!: () => void;
    a.stopping = new Promise((resolve) => (finishStopping = resolve));
    a.stop.abort();
    await advance(clock, 3_000);
    // Still stopping its controllers: the Lease is still a's, b waits.
    expect(server.current?.record.holderIdentity).toBe("a");
    expect(b.leading).toBe(false);
    finishStopping();
    await a.done;
    expect(server.current?.record.holderIdentity).toBe("");
    await advance(clock, 3_000);
    expect(b.leading).toBe(true);
    const stoppedAt = Number(log.find((l) => l.startsWith("a stopped"))!.split(" at ")[1]);
    const takenAt = Number(log.find((l) => l.startsWith("b started"))!.split(" at ")[1]);
    expect(takenAt - stoppedAt).toBeLessThanOrEqual(2 * timings.retryPeriodMs);
  });

  it("a leader that finds another holder in the Lease stops at once", async () => {
    const { clock, start, server } = setup();
    const a = start("a");
    await advance(clock, 500);
    expect(a.leading).toBe(true);
    const client = server.client();
    const current = (await client.get())!;
    await client.update({ ...current.record, holderIdentity: "intruder" }, current.version);
    await advance(clock, timings.retryPeriodMs + 500);
    expect(a.leading).toBe(false);
  });

  it("refuses timings where the renew deadline is not shorter than the lease", () => {
    const { clock, server } = setup();
    expect(() =>
      createLeaseLeaderElector({ lease: server.client(), identity: "a", clock, logger, timings: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } }),
    ).toThrow(/lease duration > renew deadline > retry period/);
  });
});
