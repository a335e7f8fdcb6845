import { pino } from "pino";
import { Registry } from "prom-client";
import { allFiles } from "../../gen/index.js";
import { createResourceAccess, type ResourceAccess } from "../../src/api/resource-access.js";
import { ensureEmbeddedDefaults } from "../../src/bootstrap/index.js";
import { platformControllers, createEventRecorder } from "../../src/controllers/index.js";
import { createManager, createSystemClock, type Manager } from "../../src/core/index.js";
import { createCodec, createKindRegistry, type Codec, type JsonObject, type KindInfo } from "../../src/model/index.js";
import { createMemoryStore, type ResourceStore } from "../../src/store/index.js";
import { fakePlaneControllers, type FakePlaneOptions } from "../support/fake-plane.js";

/** A control plane in memory: store, controllers and the API's access layer, without a transport. */
export interface Platform {
  readonly store: ResourceStore;
  readonly access: ResourceAccess;
  readonly codec: Codec;
  readonly manager: Manager;
  kind(name: string): KindInfo;
  get(kind: string, namespace: string, name: string): Promise<JsonObject | undefined>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** Start as `npm start` does on an empty data directory: the default organization and planes. */
  readonly embeddedDefaults?: boolean;
  /** Run the platform controllers (default); off, the store changes only through the API. */
  readonly controllers?: boolean;
  /** Act as every plane's agent in-process (test/support/fake-plane.ts): Releases get applied and healthy. */
  readonly fakePlanes?: boolean | FakePlaneOptions;
  /** How long a build may go without news from its build plane (the controllers' default when absent). */
  readonly buildTimeoutMs?: number;
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const registry = createKindRegistry(allFiles);
  const codec = createCodec(registry);
  const clock = createSystemClock();
  const store = createMemoryStore({ registry, codec, clock });
  const logger = pino({ level: "silent" });
  const manager = createManager({ store, registry, clock, logger, metrics: new Registry() });
  const events = createEventRecorder({ store, clock, source: "test" });
  if (options.controllers !== false) {
    for (const controller of platformControllers({ store, registry, clock, events, ...(options.buildTimeoutMs ? { buildTimeoutMs: options.buildTimeoutMs } : {}) })) manager.add(controller);
  }
  if (options.fakePlanes) {
    for (const controller of fakePlaneControllers(clock, options.fakePlanes === true ? {} : options.fakePlanes)) manager.add(controller);
  }
  if (options.embeddedDefaults) await ensureEmbeddedDefaults(store);
  await manager.start();
  const access = createResourceAccess({ store, codec });
  const kind = (name: string) => registry.resolve(name)!;
  return {
    store,
    access,
    codec,
    manager,
    kind,
    async get(kindName, namespace, name) {
      try {
        return await access.get(kind(kindName), { namespace, name });
      } catch {
        return undefined;
      }
    },
    async stop() {
      await manager.stop();
      await store.close();
    },
  };
}

/** Waits until check returns a value (not undefined or false), or fails with what it last saw. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function condition(object: JsonObject | undefined, type: string): { status?: string; reason?: string; message?: string } | undefined {
  const conditions = ((object?.status as JsonObject | undefined)?.conditions ?? []) as { type: string; status?: string; reason?: string; message?: string }[];
  return conditions.find((c) => c.type === type);
}
