import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Logger } from "pino";
import { yaml } from "../model/lazy-yaml.js";
import { isJsonObject, type JsonObject } from "../model/json.js";
import { canonicalJson } from "../model/object-checksum.js";
import type {
  ApplyOutcome,
  BuildLogChunk,
  ContainerLogLine,
  HealthListener,
  LiveObjectRecord,
  LogListener,
  ObjectHealth,
  PlaneDriver,
  PlaneObjectRef,
  ReleaseInventoryRecord,
  ResourceTreeNode,
} from "./driver.js";
import { formatRef, refKey, refOfManifest } from "./object-ref.js";
import { planHealth } from "./simulated-health.js";
import { logTimestamp, simulateChildren, simulatedLogLines, simulatedUid, type SimulatedPod, type SimulationTiming } from "./simulated-runtime.js";
import { createWorkflowSimulation } from "./simulated-workflow.js";
import { partialFileSuffix, writeFileAtomic } from "./write-file-atomic.js";
import { createListenerSet } from "./listener-set.js";

export interface LocalDriverOptions {
  /** Objects go to `<dir>/objects/...`, inventories to `<dir>/inventory/...`. */
  readonly dir: string;
  /** Workloads become available shortly after apply, the way KWOK simulates kubelets. */
  readonly simulate: boolean;
  /** How long a simulated Deployment progresses, and each step of a simulated build; 1 s when not given. */
  readonly readyDelayMs?: number;
  /** A simulated container writes a line this often (2 s), and a simulated scheduled task runs this often (60 s). */
  readonly logIntervalMs?: number;
  readonly runIntervalMs?: number;
  /** A simulated container configured to fail (OPENCHOREO_SIMULATE_FAILURE) restarts this often (5 s). */
  readonly restartIntervalMs?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Tracked {
  health: ObjectHealth;
  timer?: NodeJS.Timeout;
  /** What was applied, and when: a simulated workload's pods and logs follow from them. */
  readonly manifest: JsonObject;
  readonly appliedMs: number;
}

/**
 * The embedded plane: one YAML file per object, `<dir>/objects/<namespace or _cluster>/<apiVersion with
 * / as _>/<Kind>/<name>.yaml`, and one JSON inventory per Release in `<dir>/inventory/`. Every file is
 * written atomically, so a crash leaves whole files; `start` removes objects no inventory holds. With
 * simulation on, Workflows run as builds (simulated-workflow.ts), their states in `<dir>/workflow-runs/`.
 */
export function createLocalDriver(options: LocalDriverOptions): PlaneDriver {
  const { dir, simulate, logger } = options;
  const readyDelayMs = options.readyDelayMs ?? 1000;
  const now = options.now ?? Date.now;
  const objectsDir = join(dir, "objects");
  const inventoryDir = join(dir, "inventory");
  const runsDir = join(dir, "workflow-runs");
  const tracked = new Map<string, Tracked>();
  const listeners = createListenerSet<Parameters<HealthListener>>((err, ref) => logger.error({ err, object: formatRef(ref) }, "health listener failed"));
  const logListeners = createListenerSet<Parameters<LogListener>>((err, chunk) => logger.error({ err, build: chunk.buildId }, "log listener failed"));
  const workflows = simulate
    ? createWorkflowSimulation({ dir: runsDir, stepDelayMs: readyDelayMs, logger, now, onHealth: emit, onLog: emitLog })
    : undefined;
  const isWorkflow = (ref: PlaneObjectRef) => ref.apiVersion.startsWith("argoproj.io/") && ref.kind === "Workflow";

  const objectFile = (ref: PlaneObjectRef) =>
    join(objectsDir, ref.namespace || "_cluster", ref.apiVersion.replace("/", "_"), ref.kind, `${ref.name}.yaml`);
  const inventoryFile = (releaseId: string) => join(inventoryDir, `${encodeURIComponent(releaseId)}.json`);

  function setHealth(ref: PlaneObjectRef, manifest: JsonObject, appliedAtMs: number | undefined): void {
    const key = refKey(ref);
    clearTimeout(tracked.get(key)?.timer);
    const plan = planHealth(ref, manifest, { simulate, readyDelayMs, now: now() });
    // An object found on disk at start has been running all along (since its file was written): it starts where the plan ends.
    if (appliedAtMs !== undefined) {
      tracked.set(key, { health: plan.later?.health ?? plan.initial, manifest, appliedMs: appliedAtMs });
      return;
    }
    const entry: Tracked = { health: plan.initial, manifest, appliedMs: now() };
    tracked.set(key, entry);
    emit(ref, plan.initial);
    const later = plan.later;
    if (later) {
      entry.timer = setTimeout(() => {
        if (tracked.get(key) !== entry) return;
        entry.health = { ...later.health, observedTime: now() };
        delete entry.timer;
        emit(ref, entry.health);
      }, later.afterMs);
      entry.timer.unref();
    }
  }

  function emitLog(chunk: BuildLogChunk): void {
    logListeners.emit(chunk);
  }

  function emit(ref: PlaneObjectRef, health: ObjectHealth): void {
    listeners.emit(ref, health);
  }

  async function readObject(file: string): Promise<JsonObject | undefined> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      const parsed: unknown = yaml().parse(text);
      return isJsonObject(parsed) ? parsed : undefined;
    } catch {
      // A file edited by hand into invalid YAML is drift like any other: the next apply rewrites it.
      return undefined;
    }
  }

  async function listFiles(root: string): Promise<string[]> {
    try {
      return (await readdir(root, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  async function readInventories(): Promise<ReleaseInventoryRecord[]> {
    const records: ReleaseInventoryRecord[] = [];
    for (const file of await listFiles(inventoryDir)) {
      if (!file.endsWith(".json")) continue;
      try {
        records.push(JSON.parse(await readFile(file, "utf8")) as ReleaseInventoryRecord);
      } catch (err) {
        // Atomic writes make this unexpected; the Release's objects become orphans and are sent again.
        logger.error({ err, file }, "unreadable inventory file ignored");
      }
    }
    return records.sort((a, b) => a.releaseId.localeCompare(b.releaseId));
  }

  const timing: SimulationTiming = { readyDelayMs, logIntervalMs: options.logIntervalMs ?? 2000, runIntervalMs: options.runIntervalMs ?? 60_000, restartIntervalMs: options.restartIntervalMs ?? 5000 };
  // How often simulated pods, runs and log lines are looked at again: they follow from the clock.
  const tickMs = Math.min(1000, Math.max(20, Math.floor(Math.min(readyDelayMs, timing.logIntervalMs) / 2)));
  const matches = (labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);

  /** The simulated children (ReplicaSets, Jobs, Pods) of the workloads applied in a namespace. */
  function simulatedChildren(namespace: string, at: number, only?: ReadonlySet<string>): { nodes: ResourceTreeNode[]; pods: SimulatedPod[] } {
    const nodes: ResourceTreeNode[] = [];
    const pods: SimulatedPod[] = [];
    if (!simulate) return { nodes, pods };
    for (const [key, entry] of tracked) {
      const ref = refOfManifest(entry.manifest);
      if (typeof ref === "string" || ref.namespace !== namespace || (only && !only.has(key))) continue;
      const children = simulateChildren({ ref, manifest: entry.manifest, appliedMs: entry.appliedMs }, timing, at);
      nodes.push(...children.nodes);
      pods.push(...children.pods);
    }
    return { nodes, pods };
  }

  return {
    name: "local",
    // Build logs come from builds, which only the simulation runs here (component logs: streamLogs).
    capabilities: simulate ? ["live-objects", "simulation", "logs"] : ["live-objects"],

    async start() {
      for (const file of [...(await listFiles(objectsDir)), ...(await listFiles(inventoryDir)), ...(await listFiles(runsDir))]) {
        if (file.endsWith(partialFileSuffix)) await rm(file, { force: true });
      }
      const held = new Map<string, PlaneObjectRef>();
      for (const record of await readInventories()) for (const object of record.objects) held.set(objectFile(object.ref), object.ref);
      for (const file of await listFiles(objectsDir)) {
        if (file.endsWith(partialFileSuffix)) continue;
        const ref = held.get(file);
        if (!ref) {
          // Written by an apply that died before its inventory: the control plane sends it again.
          await rm(file, { force: true });
          logger.warn({ file: relative(dir, file).split(sep).join("/") }, "removed an object no inventory holds (left by an interrupted apply)");
          continue;
        }
        const manifest = await readObject(file);
        if (manifest && workflows && isWorkflow(ref)) await workflows.resume(ref, manifest);
        else if (manifest) setHealth(ref, manifest, (await stat(file)).mtimeMs);
      }
    },

    async apply(manifest): Promise<ApplyOutcome> {
      const ref = refOfManifest(manifest);
      if (typeof ref === "string") throw new Error(ref);
      const file = objectFile(ref);
      const existing = await readObject(file);
      const unchanged = existing !== undefined && canonicalJson(existing) === canonicalJson(manifest);
      if (!unchanged) await writeFileAtomic(file, yaml().stringify(manifest));
      if (workflows && isWorkflow(ref)) {
        if (!unchanged || !workflows.health(ref)) await workflows.apply(ref, manifest);
      }
      else if (!unchanged || !tracked.has(refKey(ref))) setHealth(ref, manifest, undefined);
      return unchanged ? "Unchanged" : "Applied";
    },

    async delete(ref) {
      const key = refKey(ref);
      clearTimeout(tracked.get(key)?.timer);
      tracked.delete(key);
      await workflows?.remove(ref);
      const file = objectFile(ref);
      const existed = (await readObject(file)) !== undefined;
      await rm(file, { force: true });
      return existed;
    },

    readInventories,

    async writeInventory(record) {
      await writeFileAtomic(inventoryFile(record.releaseId), `${JSON.stringify(record)}\n`);
    },

    async deleteInventory(releaseId) {
      await rm(inventoryFile(releaseId), { force: true });
    },

    health(ref) {
      return workflows?.health(ref) ?? tracked.get(refKey(ref))?.health ?? { health: "Unknown", reason: "NotFound", message: "not applied", status: {}, observedTime: now() };
    },

    onHealthChange: (listener) => listeners.add(listener),

    onLog: (listener) => logListeners.add(listener),

    async listLive({ kind, namespace }) {
      const live: LiveObjectRecord[] = [];
      for (const file of await listFiles(objectsDir)) {
        if (!file.endsWith(".yaml")) continue;
        const manifest = await readObject(file);
        const ref = manifest && refOfManifest(manifest);
        if (!manifest || !ref || typeof ref === "string") continue;
        if ((kind && ref.kind !== kind) || (namespace && ref.namespace !== namespace)) continue;
        const health = this.health(ref);
        live.push({ ref, object: { ...manifest, status: health.status }, health });
      }
      return live;
    },

    // Without simulation nothing runs, so there are no logs to read.
    ...(simulate
      ? {
          streamLogs(query, sink) {
            const since = query.sinceTimeMs ?? (query.sinceSeconds !== undefined ? now() - query.sinceSeconds * 1000 : Number.NEGATIVE_INFINITY);
            // Per pod and container, the time of the last line sent: a pod seen for the first time starts at `since`.
            const cursors = new Map<string, number>();
            const read = (upTo: number) => {
              const out: { timeMs: number; line: ContainerLogLine }[] = [];
              const pods = simulatedChildren(query.namespace, upTo).pods.filter((p) => matches(p.labels, query.selector) && (!query.pod || p.node.ref.name === query.pod));
              for (const pod of pods) {
                for (const container of pod.containers) {
                  if (query.container && container.name !== query.container) continue;
                  const key = `${pod.node.ref.name}/${container.name}`;
                  const first = !cursors.has(key);
                  let lines = simulatedLogLines(pod, container, timing, cursors.get(key) ?? since, upTo);
                  if (first && query.tailLines !== undefined) lines = query.tailLines === 0 ? [] : lines.slice(-query.tailLines);
                  cursors.set(key, upTo);
                  for (const l of lines) out.push({ timeMs: l.timeMs, line: { pod: pod.node.ref.name, container: container.name, text: l.text, timestamp: query.timestamps ? logTimestamp(l.timeMs) : "" } });
                }
              }
              out.sort((a, b) => a.timeMs - b.timeMs);
              if (out.length > 0) sink.lines(out.map((o) => o.line));
              return pods.length;
            };
            const found = read(now());
            if (!query.follow) {
              setImmediate(() => sink.end(query.pod && found === 0 ? new Error(`pod "${query.pod}" not found in namespace ${query.namespace}`) : undefined));
              return { close: () => undefined };
            }
            // Following: new lines as they fall due, and pods that appear later (a new ReplicaSet, the next run) joined.
            const timer = setInterval(() => read(now()), tickMs);
            timer.unref();
            return { close: () => clearInterval(timer) };
          },
        }
      : {}),

    watchResourceTree(query, sink) {
      const roots = new Set(query.roots.map(refKey));
      const tree = (): ResourceTreeNode[] => {
        const at = now();
        const nodes: ResourceTreeNode[] = [];
        for (const ref of query.roots) {
          const entry = tracked.get(refKey(ref));
          const health = this.health(ref);
          if (health.reason === "NotFound") continue;
          nodes.push({
            ref,
            uid: simulatedUid(ref),
            ownerUids: [],
            health: health.health,
            healthMessage: health.message,
            createdMs: entry?.appliedMs,
            events: [],
            simulated: simulate,
          });
        }
        const children = simulatedChildren(query.namespace, at, roots);
        return [...nodes, ...children.nodes.filter((n) => n.ref.kind !== "Pod" || children.pods.some((p) => p.node === n && matches(p.labels, query.selector)))];
      };
      let last = "";
      const push = () => {
        const nodes = tree();
        const fingerprint = JSON.stringify(nodes);
        if (fingerprint === last) return;
        last = fingerprint;
        sink.snapshot(nodes);
      };
      push();
      // Pushed when an object's health changes, and when the simulated pods move on with the clock.
      const off = listeners.add(() => push());
      const timer = setInterval(push, tickMs);
      timer.unref();
      return {
        close() {
          off();
          clearInterval(timer);
        },
      };
    },

    async close() {
      for (const entry of tracked.values()) clearTimeout(entry.timer);
      await workflows?.close();
      listeners.clear();
      logListeners.clear();
    },
  };
}
