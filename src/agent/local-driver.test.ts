import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { captureLogger } from "../../test/support/capture-logger.js";
import { objectChecksum } from "../model/object-checksum.js";
import { cronJob, deployment, namespace, service } from "./agent-fixtures.js";
import type { ObjectHealth, PlaneDriver, PlaneObjectRef, ReleaseInventoryRecord } from "./driver.js";
import { createLocalDriver } from "./local-driver.js";
import { refOfManifest } from "./object-ref.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function driverIn(dir: string, simulate = true): Promise<{ driver: PlaneDriver; lines: Record<string, unknown>[] }> {
  const { logger, lines } = captureLogger();
  const driver = createLocalDriver({ dir, simulate, readyDelayMs: 30, logger });
  cleanups.push(() => driver.close());
  await driver.start();
  return { driver, lines };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "local-driver-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ref = (manifest: Parameters<typeof refOfManifest>[0]) => refOfManifest(manifest) as PlaneObjectRef;

function inventory(releaseId: string, manifests: ReturnType<typeof service>[]): ReleaseInventoryRecord {
  return {
    releaseId,
    generation: 1,
    interval: "5m",
    progressingInterval: "10s",
    objects: manifests.map((m) => ({ ref: ref(m), sha256: objectChecksum(m), manifest: m })),
  };
}

function nextHealth(driver: PlaneDriver, name: string): Promise<ObjectHealth> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no health change of ${name} within 5 s`)), 5000);
    const off = driver.onHealthChange((r, health) => {
      if (r.name !== name) return;
      clearTimeout(timer);
      off();
      resolve(health);
    });
  });
}

describe("local driver", () => {
  it("writes one YAML file per object under namespace, API version and kind, and reports Unchanged for the same manifest", async () => {
    const dir = tempDir();
    const { driver } = await driverIn(dir);
    expect(await driver.apply(deployment("shop", "api", 2))).toBe("Applied");
    expect(await driver.apply(namespace("shop"))).toBe("Applied");
    expect(parse(readFileSync(join(dir, "objects/shop/apps_v1/Deployment/api.yaml"), "utf8"))).toEqual(deployment("shop", "api", 2));
    expect(existsSync(join(dir, "objects/_cluster/v1/Namespace/shop.yaml"))).toBe(true);
    expect(await driver.apply(deployment("shop", "api", 2))).toBe("Unchanged");
    expect(await driver.apply(deployment("shop", "api", 3))).toBe("Applied");
    expect(await driver.delete(ref(deployment("shop", "api")))).toBe(true);
    expect(await driver.delete(ref(deployment("shop", "api")))).toBe(false);
    expect(existsSync(join(dir, "objects/shop/apps_v1/Deployment/api.yaml"))).toBe(false);
  });

  it("refuses a manifest whose identity is missing or would escape the directory", async () => {
    const { driver } = await driverIn(tempDir());
    await expect(driver.apply({ apiVersion: "v1", kind: "Service", metadata: {} })).rejects.toThrow("metadata.name");
    await expect(driver.apply({ apiVersion: "v1", kind: "Service", metadata: { name: "ok", namespace: "../up" } })).rejects.toThrow("metadata.namespace");
    await expect(driver.apply({ apiVersion: "../v1", kind: "Service", metadata: { name: "ok" } })).rejects.toThrow("apiVersion");
  });

  it("keeps inventories per Release, written whole, and reads them back", async () => {
    const dir = tempDir();
    const { driver } = await driverIn(dir);
    await driver.writeInventory(inventory("org/a", [service("a", "one")]));
    await driver.writeInventory(inventory("org/b", [service("b", "two")]));
    await driver.writeInventory({ ...inventory("org/a", [service("a", "one"), service("a", "three")]), generation: 2 });
    expect(readdirSync(join(dir, "inventory")).sort()).toEqual(["org%2Fa.json", "org%2Fb.json"]);
    const records = await driver.readInventories();
    expect(records.map((r) => [r.releaseId, r.generation, r.objects.length])).toEqual([
      ["org/a", 2, 2],
      ["org/b", 1, 1],
    ]);
    await driver.deleteInventory("org/b");
    expect((await driver.readInventories()).map((r) => r.releaseId)).toEqual(["org/a"]);
  });

  it("on start removes objects no inventory holds and interrupted writes, and keeps the rest running", async () => {
    const dir = tempDir();
    const first = await driverIn(dir);
    await first.driver.apply(deployment("c", "held", 2));
    await first.driver.writeInventory(inventory("org/c", [deployment("c", "held", 2)]));
    // A crash after this object's write and before its inventory's.
    await first.driver.apply(service("c", "orphan"));
    writeFileSync(join(dir, "inventory/org%2Fc.json.0badf00d.partial"), '{"releaseId":"org/c","gen');
    await first.driver.close();

    const { driver, lines } = await driverIn(dir);
    expect(existsSync(join(dir, "objects/c/v1/Service/orphan.yaml"))).toBe(false);
    expect(readdirSync(join(dir, "inventory"))).toEqual(["org%2Fc.json"]);
    expect(lines.find((l) => String(l.msg).includes("no inventory holds"))).toMatchObject({ file: "objects/c/v1/Service/orphan.yaml" });
    // The held Deployment has been running all along: no new Progressing phase.
    expect(driver.health(ref(deployment("c", "held")))).toMatchObject({ health: "Healthy", reason: "Simulated" });
  });

  it("simulates a Deployment: Progressing, then Healthy with its replicas available; 0 replicas is Suspended", async () => {
    const { driver } = await driverIn(tempDir());
    const healthy = nextHealth(driver, "web").then(() => nextHealth(driver, "web"));
    await driver.apply(deployment("s", "web"));
    expect(driver.health(ref(deployment("s", "web")))).toMatchObject({ health: "Progressing", reason: "Simulated" });
    expect(await healthy).toMatchObject({ health: "Healthy", reason: "Simulated", status: { replicas: 1, availableReplicas: 1 } });
    await driver.apply(deployment("s", "web", 0));
    expect(driver.health(ref(deployment("s", "web")))).toMatchObject({ health: "Suspended", message: expect.stringContaining("Simulated") });
  });

  it("simulates CronJobs and Workflows (simulated-workflow.test.ts), and reports objects without a runtime Healthy", async () => {
    const { driver } = await driverIn(tempDir());
    const workflow = { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name: "build-1", namespace: "ci" }, spec: {} };
    for (const m of [cronJob("s", "on", false), cronJob("s", "off", true), workflow, service("s", "svc")]) await driver.apply(m);
    expect(driver.health(ref(cronJob("s", "on", false)))).toMatchObject({ health: "Healthy", reason: "Simulated" });
    expect(driver.health(ref(cronJob("s", "off", true)))).toMatchObject({ health: "Suspended", reason: "Simulated" });
    expect(driver.health(ref(workflow))).toMatchObject({ health: "Progressing", reason: "Simulated", status: { phase: "Running" } });
    expect(driver.health(ref(service("s", "svc")))).toMatchObject({ health: "Healthy", message: "applied locally" });
  });

  it("without simulation leaves workloads Unknown with reason NoRuntime", async () => {
    const { driver } = await driverIn(tempDir(), false);
    expect(driver.capabilities).not.toContain("simulation");
    await driver.apply(deployment("n", "api", 2));
    await driver.apply(service("n", "api"));
    expect(driver.health(ref(deployment("n", "api")))).toMatchObject({ health: "Unknown", reason: "NoRuntime", status: { reason: "NoRuntime" } });
    expect(driver.health(ref(service("n", "api")))).toMatchObject({ health: "Healthy" });
  });

  it("lists live objects with their status, filtered by kind and namespace", async () => {
    const { driver } = await driverIn(tempDir());
    for (const m of [deployment("a", "x", 0), service("a", "x"), service("b", "y")]) await driver.apply(m);
    expect((await driver.listLive({ kind: "Service", namespace: "" })).map((o) => o.ref.name).sort()).toEqual(["x", "y"]);
    const [live] = await driver.listLive({ kind: "Deployment", namespace: "a" });
    expect(live?.object).toMatchObject({ kind: "Deployment", status: { replicas: 0, reason: "Simulated" } });
    expect(live?.health.health).toBe("Suspended");
    expect(await driver.listLive({ kind: "", namespace: "c" })).toEqual([]);
  });
});

describe("local driver directories", () => {
  it("starts on a directory that does not exist yet", async () => {
    const dir = join(tempDir(), "nested", "plane");
    mkdirSync(join(dir, ".."), { recursive: true });
    const { driver } = await driverIn(dir);
    expect(await driver.readInventories()).toEqual([]);
  });
});
