import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, type TestContext } from "vitest";
import type { OwnerReference } from "../../../gen/openchoreo/meta/v1alpha1/object_meta_pb.js";
import { ComponentSchema, type Component } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { OrganizationSchema, type Organization } from "../../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { ProjectSchema, type Project } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import {
  ServiceBindingSchema,
  type ServiceBinding,
} from "../../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import { createFakeClock, type FakeClock } from "../../core/clock.js";
import type { HistoryWindow } from "../history-window.js";
import type { ResourceObject, ResourceStore, WatchEvent, WatchOptions } from "../resource-store.js";

/** What the contract may ask of a store under test; an adapter applies what it can. */
export interface ContractStoreOptions {
  readonly clock: FakeClock;
  readonly historyWindow?: HistoryWindow;
  readonly maxObjectBytes?: number;
  readonly bookmarkIntervalMs?: number;
  readonly watchBufferSize?: number;
}

export type MakeStore = (options: ContractStoreOptions) => ResourceStore | Promise<ResourceStore>;

/**
 * Opens a store for one test (closed after it) with a fake clock the test may move. A test that
 * needs a history window, or that an adapter lists as a known failure, passes its context: the test
 * is skipped, with the adapter's reason, where the window is not the adapter's to set or the failure
 * is known.
 */
export type OpenStore = (
  options?: Omit<ContractStoreOptions, "clock">,
  ctx?: TestContext,
) => Promise<{ store: ResourceStore; clock: FakeClock }>;

/** What an adapter cannot be asked for, each with the reason a skipped test reports. */
export interface ContractLimits {
  /** Why the adapter cannot set its own history window (e.g. it is the API server's). */
  readonly historyWindow?: string;
  /**
   * Known failures: tests (by title) this adapter does not pass yet, each with why, skipped with
   * that reason. Only tests that hand open() their context can be listed.
   */
  readonly knownFailures?: Readonly<Record<string, string>>;
}

export function openerFor(makeStore: MakeStore, opened: ResourceStore[], limits: ContractLimits = {}): OpenStore {
  return async (options = {}, ctx) => {
    const known = ctx && limits.knownFailures?.[ctx.task.name];
    if (known) ctx.skip(known);
    if (options.historyWindow && limits.historyWindow) {
      if (!ctx) throw new Error("a contract test that sets a history window must pass its context to open()");
      ctx.skip(limits.historyWindow);
    }
    const clock = createFakeClock();
    const store = await makeStore({ clock, ...options });
    opened.push(store);
    return { store, clock };
  };
}

export interface Meta {
  readonly name?: string;
  readonly namespace?: string;
  readonly generateName?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly finalizers?: string[];
  readonly ownerReferences?: OwnerReference[];
}

export function organization(name: string, meta: Meta = {}): Organization {
  return create(OrganizationSchema, { metadata: { name, ...meta }, spec: {} });
}

export function project(name: string, meta: Meta = {}, pipeline = "default-pipeline"): Project {
  return create(ProjectSchema, {
    metadata: { name, namespace: "default", ...meta },
    spec: { deploymentPipelineRef: pipeline },
  });
}

export function component(name: string, meta: Meta = {}): Component {
  return create(ComponentSchema, {
    metadata: { name, namespace: "default", ...meta },
    spec: { type: "Service", owner: { projectName: "shop" } },
  });
}

export function serviceBinding(name: string, meta: Meta = {}): ServiceBinding {
  return create(ServiceBindingSchema, {
    metadata: { name, namespace: "default", ...meta },
    // What the ServiceBinding CRD requires, so the fixture is valid where the schema is enforced.
    spec: { environment: "development", releaseState: "Active", className: "default", owner: { projectName: "shop", componentName: "api" }, workloadSpec: {} },
  });
}

/** An ownerReference naming a stored object. */
export function ownedBy(owner: ResourceObject, options: { block?: boolean; controller?: boolean } = {}): OwnerReference {
  const meta = owner.metadata!;
  return {
    $typeName: "openchoreo.meta.v1alpha1.OwnerReference",
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: meta.name,
    uid: meta.uid,
    ...(options.block === undefined ? {} : { blockOwnerDeletion: options.block }),
    ...(options.controller === undefined ? {} : { controller: options.controller }),
  };
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface TestWatch<T> {
  /** The next event; fails when none comes within the timeout or the watch ends. */
  next(): Promise<WatchEvent<T>>;
  /** The next n events. */
  take(n: number): Promise<WatchEvent<T>[]>;
  /** Resolves true when the watch ends (iterator done) within the timeout. */
  ended(): Promise<boolean>;
  /** The error the watch failed with, or undefined when it yielded or ended instead. */
  failure(): Promise<unknown>;
  close(): void;
}

/**
 * A watch a test can step through. The first next() starts the watch (that is when a store
 * registers it), so a test calls next() before moving the clock for a bookmark.
 */
export function openWatch<D extends DescMessage>(
  store: ResourceStore,
  schema: D,
  options: Omit<WatchOptions, "signal"> = {},
  timeoutMs = 5_000,
): TestWatch<MessageShape<D>> {
  const abort = new AbortController();
  const iterator = store.watch(schema, { ...options, signal: abort.signal })[Symbol.asyncIterator]();
  const next = async () => {
    const result = await withTimeout(iterator.next(), timeoutMs, "a watch event");
    if (result.done) throw new Error("the watch ended");
    return result.value;
  };
  return {
    next,
    async take(n) {
      const events: WatchEvent<MessageShape<D>>[] = [];
      while (events.length < n) events.push(await next());
      return events;
    },
    async ended() {
      const result = await withTimeout(iterator.next(), timeoutMs, "the watch to end");
      return result.done === true;
    },
    async failure() {
      try {
        await withTimeout(iterator.next(), timeoutMs, "the watch to fail");
        return undefined;
      } catch (error) {
        return error;
      }
    },
    close: () => abort.abort(),
  };
}

/** The rejection of a promise that must reject. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the operation to fail, and it succeeded");
}

/** A new directory at each call, all under one temporary directory removed after the file's tests. */
export function scratchDirectories(prefix: string): () => string {
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let count = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return () => join(root, String(count++));
}

/** The error a call throws; fails the test when it returns instead. */
export function thrownBy(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to throw, and it returned");
}

/**
 * Writes a Project named "marker" and expects it as the watch's next event: the way to show that
 * nothing was delivered before it without waiting for an absence.
 */
export async function expectMarkerNext(store: ResourceStore, watch: TestWatch<ResourceObject>): Promise<void> {
  const created = await store.create(ProjectSchema, project("marker"));
  const event = await watch.next();
  if (event.type !== "ADDED" || event.object?.metadata?.name !== "marker") {
    throw new Error(`expected ADDED marker next, got ${summary([event]).join("")}`);
  }
  if (event.resourceVersion !== created.metadata!.resourceVersion) {
    throw new Error("the marker's event does not carry the resourceVersion its write returned");
  }
}

/** Type, name and resourceVersion of events: what ordering assertions compare. */
export function summary(events: readonly WatchEvent<ResourceObject>[]): string[] {
  return events.map((e) => (e.object ? `${e.type} ${e.object.metadata!.name}` : e.type));
}
