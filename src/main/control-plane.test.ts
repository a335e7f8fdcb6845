import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "./control-plane.js";

const dirs: string[] = [];
const planes: ControlPlane[] = [];
afterEach(async () => {
  for (const plane of planes.splice(0)) await plane.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string, holdControllersUntil?: Promise<unknown>): Promise<ControlPlane> {
  const plane = await startControlPlane({ dataDir }, { logger: pino({ level: "silent" }), metrics: new Registry(), ...(holdControllersUntil ? { holdControllersUntil } : {}) });
  planes.push(plane);
  return plane;
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the embedded control plane", () => {
  it("starts an empty data directory with the default organization, its environments and planes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "control-plane-"));
    dirs.push(dir);
    const plane = await start(dir);
    expect(plane.created).toEqual(["Organization/default", "DataPlane/default", "BuildPlane/default"]);
    const env = () => plane.access.get(plane.codec.registry.resolve("env")!, { namespace: "default", name: "development" });
    await waitFor(async () => env().then(() => true, () => false), "the development environment");
  });

  it("never re-creates the defaults on a restart, and refuses a second server on the same directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "control-plane-"));
    dirs.push(dir);
    const first = await start(dir);
    await expect(start(dir)).rejects.toThrow(/in use by another server/);
    const project = first.codec.registry.resolve("project")!;
    await waitFor(async () => first.access.get(project, { namespace: "default", name: "default" }).then(() => true, () => false), "the default project");
    await first.access.delete(project, { namespace: "default", name: "default" });
    await planes.splice(0)[0]!.close();

    const second = await start(dir);
    expect(second.created).toEqual([]);
    await expect(second.access.get(project, { namespace: "default", name: "default" })).rejects.toThrow(/not found/);
  });

  it("holds its controllers until told (the server's port listening), serving reads and writes meanwhile, and then reconciles those writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "control-plane-"));
    dirs.push(dir);
    let release!: () => void;
    const plane = await start(dir, new Promise<void>((resolve) => (release = resolve)));
    const env = plane.codec.registry.resolve("env")!;
    const project = plane.codec.registry.resolve("project")!;
    const [applied] = await plane.access.apply("apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: during-start-up\n  namespace: default\nspec:\n  deploymentPipelineRef: default-pipeline\n");
    expect(applied?.action).toBe("created");
    let started = false;
    void plane.controllersStarted.then(() => (started = true));
    // Long enough for an unheld controller to have run: the organization's environments come from one.
    await new Promise((r) => setTimeout(r, 500));
    expect(started).toBe(false);
    await expect(plane.access.get(env, { namespace: "default", name: "development" })).rejects.toThrow(/not found/);
    expect((await plane.access.get(project, { namespace: "default", name: "during-start-up" })).status).toBeUndefined();

    release();
    await plane.controllersStarted;
    await waitFor(async () => plane.access.get(env, { namespace: "default", name: "development" }).then(() => true, () => false), "the development environment");
    await waitFor(async () => (await plane.access.get(project, { namespace: "default", name: "during-start-up" })).status !== undefined, "the project applied during start-up reconciled");
  });

  it("closes cleanly when its controllers were never released (the server failed to listen)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "control-plane-"));
    dirs.push(dir);
    const plane = await start(dir, new Promise<void>(() => undefined));
    await planes.splice(0)[0]!.close();
    // The directory's lock is released: another server starts on it.
    await start(dir);
  });
});
