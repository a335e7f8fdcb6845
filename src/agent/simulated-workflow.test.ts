import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
import type { JsonObject } from "../model/json.js";
import { buildWorkflow } from "./agent-fixtures.js";
import type { BuildLogChunk, ObjectHealth, PlaneDriver, PlaneObjectRef } from "./driver.js";
import { createLocalDriver } from "./local-driver.js";
import { refOfManifest } from "./object-ref.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "simulated-workflow-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Observed {
  readonly driver: PlaneDriver;
  readonly healths: { name: string; health: ObjectHealth }[];
  readonly chunks: BuildLogChunk[];
  /** Resolves with the first health (seen or to come) of the named Workflow that matches. */
  until(name: string, what: string, match: (h: ObjectHealth) => boolean): Promise<ObjectHealth>;
}

async function startDriver(dir: string, simulate = true, stepDelayMs = 20): Promise<Observed> {
  const { logger } = captureLogger();
  const driver = createLocalDriver({ dir, simulate, readyDelayMs: stepDelayMs, logger });
  const healths: { name: string; health: ObjectHealth }[] = [];
  const chunks: BuildLogChunk[] = [];
  const waiters = new Set<() => void>();
  driver.onHealthChange((ref, health) => {
    healths.push({ name: ref.name, health });
    for (const wake of [...waiters]) wake();
  });
  driver.onLog((chunk) => chunks.push(chunk));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await driver.close();
  };
  cleanups.push(close);
  await driver.start();
  return {
    driver,
    healths,
    chunks,
    until(name, what, match) {
      const found = () => healths.find((h) => h.name === name && match(h.health))?.health;
      const now = found();
      if (now) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no ${what} of ${name} within 5 s; saw ${healths.map((h) => `${h.name}:${h.health.health}:${JSON.stringify(h.health.status.phase)}`).join(", ")}`));
        }, 5000);
        const wake = () => {
          const health = found();
          if (!health) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(health);
        };
        waiters.add(wake);
      });
    },
  };
}

const ref = (manifest: JsonObject) => refOfManifest(manifest) as PlaneObjectRef;
const text = (chunks: readonly BuildLogChunk[]) => Buffer.concat(chunks.map((c) => c.data)).toString("utf8");
const nodesOf = (health: ObjectHealth) => health.status.nodes as JsonObject[];
const succeeded = (h: ObjectHealth) => h.health === "Healthy";
const expectedCommit = (repo: string, revision: string, build: string) =>
  createHash("sha256").update(JSON.stringify([repo, revision, build])).digest("hex").slice(0, 12);

describe("simulated builds in the local driver", () => {
  it("runs the four steps in order, each Running then Succeeded, with their outputs, and ends Healthy", async () => {
    const { driver, healths, until } = await startDriver(tempDir());
    const workflow = buildWorkflow({ organization: "acme", build: "api-build-1" });
    expect(await driver.apply(workflow)).toBe("Applied");
    const first = driver.health(ref(workflow));
    expect(first).toMatchObject({ health: "Progressing", reason: "Simulated", message: "Simulated: running (0/1 steps done)", status: { phase: "Running", reason: "Simulated" } });
    expect(nodesOf(first)).toMatchObject([{ name: "clone-step", phase: "Running" }]);

    const done = await until("api-build-1", "success", succeeded);
    const commit = expectedCommit("https://github.com/example/shop", "main", "api-build-1");
    const image = `registry.localhost/shop-api:${commit}`;
    expect(done).toMatchObject({ reason: "Simulated", message: "Simulated: the workflow succeeded", status: { phase: "Succeeded", startedAt: expect.any(String), finishedAt: expect.any(String) } });
    expect(nodesOf(done).map((n) => [n.name, n.phase])).toEqual([
      ["clone-step", "Succeeded"],
      ["build-step", "Succeeded"],
      ["push-step", "Succeeded"],
      ["workload-create-step", "Succeeded"],
    ]);
    expect(nodesOf(done).map((n) => n.outputs)).toEqual([
      { "git-revision": commit },
      undefined,
      { image },
      { workload: JSON.stringify({ containers: { main: { image } } }) },
    ]);
    // Every step was seen running before it succeeded, one after another.
    const running = healths.filter((h) => h.health.health === "Progressing").map((h) => nodesOf(h.health).find((n) => n.phase === "Running")?.name);
    expect(running).toEqual(["clone-step", "build-step", "push-step", "workload-create-step"]);
    for (const { health } of healths) {
      expect(health.reason).toBe("Simulated");
      expect(health.message).toMatch(/^Simulated: /);
      for (const node of nodesOf(health)) expect(node.message).toMatch(/^Simulated: /);
    }
  });

  it("derives the commit from repository, commit (else branch) and build name", async () => {
    const { driver, until } = await startDriver(tempDir());
    await driver.apply(buildWorkflow({ organization: "acme", build: "b-commit", commit: "0123456789abcdef", branch: "dev" }));
    await driver.apply(buildWorkflow({ organization: "acme", build: "b-branch", branch: "dev" }));
    const byCommit = await until("b-commit", "success", succeeded);
    const byBranch = await until("b-branch", "success", succeeded);
    const revisionOf = (h: ObjectHealth) => (nodesOf(h)[0]!.outputs as JsonObject)["git-revision"];
    expect(revisionOf(byCommit)).toBe(expectedCommit("https://github.com/example/shop", "0123456789abcdef", "b-commit"));
    expect(revisionOf(byBranch)).toBe(expectedCommit("https://github.com/example/shop", "dev", "b-branch"));
    expect(revisionOf(byBranch)).toMatch(/^[0-9a-f]{12}$/);
  });

  it("writes [Simulated] log lines per step with contiguous offsets, the last chunk marked eof", async () => {
    const { driver, chunks, until } = await startDriver(tempDir());
    await driver.apply(buildWorkflow({ organization: "acme", build: "logged" }));
    await until("logged", "success", succeeded);
    expect(new Set(chunks.map((c) => c.buildId))).toEqual(new Set(["acme/logged"]));
    let offset = 0;
    for (const chunk of chunks) {
      expect(chunk.offset).toBe(offset);
      offset += chunk.data.length;
    }
    expect(chunks.map((c) => c.eof)).toEqual([...chunks.slice(1).map(() => false), true]);
    expect([...new Set(chunks.map((c) => c.step))]).toEqual(["clone-step", "build-step", "push-step", "workload-create-step"]);
    const lines = text(chunks).trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const line of lines) expect(line).toMatch(/^\[Simulated\] /);
    expect(lines[0]).toBe("[Simulated] cloning https://github.com/example/shop at main");
  });

  it("stops at the current step when spec.shutdown is set: Degraded, phase Failed, message terminated", async () => {
    const { driver, chunks, until } = await startDriver(tempDir(), true, 60_000);
    await driver.apply(buildWorkflow({ organization: "acme", build: "stopped" }));
    expect(nodesOf(driver.health(ref(buildWorkflow({ organization: "acme", build: "stopped" }))))).toMatchObject([{ name: "clone-step", phase: "Running" }]);
    expect(await driver.apply(buildWorkflow({ organization: "acme", build: "stopped", shutdown: true }))).toBe("Applied");
    const stopped = await until("stopped", "termination", (h) => h.health === "Degraded");
    expect(stopped).toMatchObject({ message: "terminated", reason: "Simulated", status: { phase: "Failed", message: "terminated", finishedAt: expect.any(String) } });
    expect(nodesOf(stopped)).toMatchObject([{ name: "clone-step", phase: "Failed", message: "Simulated: terminated" }]);
    expect(chunks.at(-1)).toMatchObject({ step: "clone-step", eof: true });
    expect(text(chunks)).toContain("[Simulated] terminated during clone-step");
  });

  it("does not restart a Workflow applied again (a resync), changed or not; deleted and created again, it runs anew", async () => {
    const { driver, chunks, healths, until } = await startDriver(tempDir());
    const workflow = buildWorkflow({ organization: "acme", build: "again" });
    const changed = buildWorkflow({ organization: "acme", build: "again", branch: "other" });
    await driver.apply(workflow);
    // Changed mid-run: the run keeps the parameters it started with.
    expect(await driver.apply(changed)).toBe("Applied");
    const done = await until("again", "success", succeeded);
    expect((nodesOf(done)[0]!.outputs as JsonObject)["git-revision"]).toBe(expectedCommit("https://github.com/example/shop", "main", "again"));
    const before = { chunks: chunks.length, healths: healths.length };
    expect(await driver.apply(changed)).toBe("Unchanged");
    expect(await driver.apply(workflow)).toBe("Applied");
    // Same run: still Succeeded, no new log.
    expect(driver.health(ref(workflow)).status.phase).toBe("Succeeded");
    expect(chunks.length).toBe(before.chunks);
    expect(healths.slice(before.healths).every((h) => h.health.health === "Healthy")).toBe(true);

    expect(await driver.delete(ref(workflow))).toBe(true);
    expect(driver.health(ref(workflow))).toMatchObject({ health: "Unknown" });
    await driver.apply(changed);
    expect(driver.health(ref(workflow))).toMatchObject({ health: "Progressing", status: { phase: "Running" } });
    expect(chunks.at(-1)).toMatchObject({ offset: 0, step: "clone-step" });
    const again = await until("again", "the new run's success", (h) => succeeded(h) && h !== done);
    expect((nodesOf(again)[0]!.outputs as JsonObject)["git-revision"]).toBe(expectedCommit("https://github.com/example/shop", "other", "again"));
  });

  it("resumes a run after a restart where it stopped, and replays its log from offset 0", async () => {
    const dir = tempDir();
    const workflow = buildWorkflow({ organization: "acme", build: "resumed" });
    const first = await startDriver(dir, true, 20);
    await first.driver.apply(workflow);
    await first.until("resumed", "the push step running", (h) => nodesOf(h).some((n) => n.name === "push-step"));
    await first.driver.writeInventory({ releaseId: "acme/build-resumed", generation: 1, interval: "", progressingInterval: "", objects: [{ ref: ref(workflow), sha256: "x", manifest: workflow }] });
    const logged = text(first.chunks);
    await first.driver.close();

    const second = await startDriver(dir, true, 20);
    // The log so far was replayed at start, from the first byte.
    expect(second.chunks[0]).toMatchObject({ buildId: "acme/resumed", offset: 0 });
    expect(text(second.chunks)).toBe(logged);
    expect(logged).toContain("[Simulated] pushing");
    const done = await second.until("resumed", "success", succeeded);
    expect(nodesOf(done).map((n) => n.phase)).toEqual(["Succeeded", "Succeeded", "Succeeded", "Succeeded"]);
    // No step ran twice: each start line is there once.
    const whole = text(second.chunks);
    expect(whole.startsWith(logged)).toBe(true);
    for (const line of ["cloning", "building", "pushing", "reading the workload descriptor"]) expect(whole.split(`[Simulated] ${line}`).length).toBe(2);
    expect(second.chunks.at(-1)?.eof).toBe(true);
  });

  it("without simulation leaves a Workflow Unknown (NoRuntime) and writes no log", async () => {
    const { driver, chunks } = await startDriver(tempDir(), false);
    const workflow = buildWorkflow({ organization: "acme", build: "idle" });
    await driver.apply(workflow);
    expect(driver.health(ref(workflow))).toMatchObject({ health: "Unknown", reason: "NoRuntime", status: { reason: "NoRuntime" } });
    expect(driver.capabilities).not.toContain("simulation");
    expect(driver.capabilities).not.toContain("logs");
    expect(chunks).toEqual([]);
  });

  it("runs a Workflow without build labels but writes its log nowhere (it names no Build)", async () => {
    const { driver, chunks, until } = await startDriver(tempDir());
    await driver.apply(buildWorkflow({ organization: "acme", build: "unlabelled", labels: false }));
    await until("unlabelled", "success", succeeded);
    expect(chunks).toEqual([]);
  });
});
