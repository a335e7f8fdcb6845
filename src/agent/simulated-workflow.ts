import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { getPath, isJsonObject, type JsonObject } from "../model/json.js";
import type { BuildLogChunk, ObjectHealth, PlaneObjectRef } from "./driver.js";
import { formatRef, refKey } from "./object-ref.js";
import { buildIdOf, buildSteps, terminatedMessage, workflowHealth } from "./workflow-health.js";
import { writeFileAtomic } from "./write-file-atomic.js";

export interface WorkflowSimulationOptions {
  /** Run states are saved under `<dir>/<namespace>/<name>.json`, so a restarted agent resumes its runs. */
  readonly dir: string;
  /** How long each step runs. */
  readonly stepDelayMs: number;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onHealth: (ref: PlaneObjectRef, health: ObjectHealth) => void;
  readonly onLog: (chunk: BuildLogChunk) => void;
}

/**
 * The Argo controller of the local plane: runs a Workflow's four build steps one after another, each
 * Running then Succeeded after the step delay, writing `[Simulated]` log lines and the steps' outputs.
 *
 * Workflows are immutable in practice (Argo ignores spec changes of a running Workflow), so the run a
 * Workflow got when first applied is the one it keeps: applying it again, changed or not, never
 * restarts it; only `spec.shutdown` matters, stopping the run at its current step. A new run needs the
 * Workflow deleted and created again.
 */
export interface WorkflowSimulation {
  /** Starts the Workflow's run, or stops it when the manifest asks for a shutdown. */
  apply(ref: PlaneObjectRef, manifest: JsonObject): Promise<void>;
  /** A Workflow found on disk at start: continues its saved run (or starts one), re-emitting its log. */
  resume(ref: PlaneObjectRef, manifest: JsonObject): Promise<void>;
  remove(ref: PlaneObjectRef): Promise<void>;
  /** Undefined for a Workflow without a run. */
  health(ref: PlaneObjectRef): ObjectHealth | undefined;
  /** Stops the runs, their states saved: a restarted agent resumes them. */
  close(): Promise<void>;
}

/**
 * What a run saves: the manifest it started from (its parameters decide its outputs, whatever is
 * applied later), the Workflow's status as Argo writes it, and its log in step segments.
 */
interface SavedRun {
  manifest: JsonObject;
  readonly status: JsonObject;
  readonly log: { step: string; text: string }[];
}

interface Run extends SavedRun {
  readonly ref: PlaneObjectRef;
  health: ObjectHealth;
  timer?: NodeJS.Timeout;
  saving: Promise<void>;
}

/** The facts a simulated build derives from the Workflow's parameters, as the build contract defines them. */
interface BuildFacts {
  readonly gitRepo: string;
  readonly revision: string;
  readonly appPath: string;
  readonly template: string;
  readonly commit: string;
  readonly image: string;
  readonly workload: string;
}

export function simulatedCommit(gitRepo: string, revision: string, buildName: string): string {
  return createHash("sha256").update(JSON.stringify([gitRepo, revision, buildName]), "utf8").digest("hex").slice(0, 12);
}

function buildFacts(manifest: JsonObject): BuildFacts {
  const parameters = new Map<string, string>();
  const declared = getPath(manifest, "spec.arguments.parameters");
  for (const p of Array.isArray(declared) ? declared : []) {
    if (isJsonObject(p) && typeof p.name === "string" && p.value !== undefined && p.value !== null) parameters.set(p.name, String(p.value));
  }
  const gitRepo = parameters.get("git-repo") ?? "";
  const revision = parameters.get("commit") || parameters.get("branch") || "main";
  const label = getPath(manifest, "metadata.labels");
  const buildName = parameters.get("build-name") || (isJsonObject(label) && typeof label["openchoreo.dev/build"] === "string" ? label["openchoreo.dev/build"] : String(getPath(manifest, "metadata.name")));
  const commit = simulatedCommit(gitRepo, revision, buildName);
  const image = `${parameters.get("image-name") || "registry.localhost/image"}:${commit}`;
  return {
    gitRepo,
    revision,
    appPath: parameters.get("app-path") || ".",
    template: String(getPath(manifest, "spec.workflowTemplateRef.name") ?? "unknown"),
    commit,
    image,
    workload: JSON.stringify({ containers: { main: { image } } }),
  };
}

/** Log lines when a step starts and when it succeeds, and the outputs it leaves. */
function stepScript(step: string, facts: BuildFacts): { start: string; end: string; outputs: Record<string, string> } {
  switch (step) {
    case "clone-step":
      return { start: `[Simulated] cloning ${facts.gitRepo} at ${facts.revision}\n`, end: `[Simulated] checked out commit ${facts.commit}\n`, outputs: { "git-revision": facts.commit } };
    case "build-step":
      return { start: `[Simulated] building ${facts.appPath} with the ${facts.template} template\n`, end: `[Simulated] built ${facts.image}\n`, outputs: {} };
    case "push-step":
      return { start: `[Simulated] pushing ${facts.image}\n`, end: `[Simulated] pushed ${facts.image}\n`, outputs: { image: facts.image } };
    default:
      return { start: "[Simulated] reading the workload descriptor\n", end: `[Simulated] workload ${facts.workload}\n`, outputs: { workload: facts.workload } };
  }
}

const isFinished = (status: JsonObject) => status.phase === "Succeeded" || status.phase === "Failed" || status.phase === "Error";
const shutdownOf = (manifest: JsonObject) => {
  const value = getPath(manifest, "spec.shutdown");
  return typeof value === "string" && value !== "";
};

/** The run's own manifest, with the shutdown a later manifest asks for. */
function withShutdown(started: JsonObject, latest: JsonObject): JsonObject {
  return { ...started, spec: { ...(isJsonObject(started.spec) ? started.spec : {}), shutdown: getPath(latest, "spec.shutdown") as string } };
}

export function createWorkflowSimulation(options: WorkflowSimulationOptions): WorkflowSimulation {
  const { dir, stepDelayMs, logger, now } = options;
  const runs = new Map<string, Run>();
  const stateFile = (ref: PlaneObjectRef) => join(dir, ref.namespace || "_cluster", `${ref.name}.json`);
  const timestamp = () => new Date(now()).toISOString().replace(/\.\d+Z$/, "Z");
  const nodes = (run: Run) => run.status.nodes as Record<string, JsonObject>;
  const logBytes = (run: Run) => run.log.reduce((total, segment) => total + Buffer.byteLength(segment.text), 0);

  function emitLog(run: Run, step: string, offset: number, text: string, eof: boolean): void {
    const buildId = buildIdOf(run.manifest);
    if (!buildId) return;
    try {
      options.onLog({ buildId, step, offset, data: new TextEncoder().encode(text), eof });
    } catch (err) {
      logger.error({ err, build: buildId }, "log listener failed");
    }
  }

  function appendLog(run: Run, step: string, text: string, eof = false): void {
    const offset = logBytes(run);
    const last = run.log.at(-1);
    if (last?.step === step) last.text += text;
    else run.log.push({ step, text });
    emitLog(run, step, offset, text, eof);
  }

  /** Reports the run's new state and saves it; saves run one after another so the last one wins. */
  function changed(run: Run): void {
    run.health = workflowHealth({ ...run.manifest, status: run.status }, now(), { simulated: true });
    options.onHealth(run.ref, run.health);
    const saved: SavedRun = structuredClone({ manifest: run.manifest, status: run.status, log: run.log });
    run.saving = run.saving
      .then(() => (runs.get(refKey(run.ref)) === run ? writeFileAtomic(stateFile(run.ref), JSON.stringify(saved)) : undefined))
      .catch((err: unknown) => logger.error({ err, workflow: formatRef(run.ref) }, "could not save a simulated build's state; a restart starts it again"));
  }

  function schedule(run: Run, action: () => void): void {
    clearTimeout(run.timer);
    run.timer = setTimeout(() => {
      delete run.timer;
      if (runs.get(refKey(run.ref)) === run) action();
    }, stepDelayMs);
    run.timer.unref();
  }

  function nodeId(run: Run, step: string): string {
    return `${run.ref.name}-${step}`;
  }

  function begin(run: Run, index: number): void {
    const step = buildSteps[index]!;
    nodes(run)[nodeId(run, step)] = {
      id: nodeId(run, step),
      name: `${run.ref.name}.${step}`,
      displayName: step,
      type: "Pod",
      phase: "Running",
      startedAt: timestamp(),
      message: "Simulated: running",
    };
    appendLog(run, step, stepScript(step, buildFacts(run.manifest)).start);
    schedule(run, () => finish(run, index));
  }

  function finish(run: Run, index: number): void {
    const step = buildSteps[index]!;
    const script = stepScript(step, buildFacts(run.manifest));
    const node = nodes(run)[nodeId(run, step)]!;
    Object.assign(node, {
      phase: "Succeeded",
      finishedAt: timestamp(),
      message: "Simulated: done",
      outputs: { parameters: Object.entries(script.outputs).map(([name, value]) => ({ name, value })) },
    });
    const last = index === buildSteps.length - 1;
    appendLog(run, step, script.end, last);
    if (last) Object.assign(run.status, { phase: "Succeeded", finishedAt: timestamp(), message: "Simulated: succeeded" });
    else begin(run, index + 1);
    changed(run);
  }

  function terminate(run: Run): void {
    clearTimeout(run.timer);
    delete run.timer;
    const current = Object.values(nodes(run)).find((n) => n.phase === "Running");
    if (current) Object.assign(current, { phase: "Failed", finishedAt: timestamp(), message: "Simulated: terminated" });
    Object.assign(run.status, { phase: "Failed", finishedAt: timestamp(), message: terminatedMessage });
    appendLog(run, String(current?.displayName ?? buildSteps[0]), `[Simulated] terminated${current ? ` during ${String(current.displayName)}` : " before it started"}\n`, true);
    changed(run);
  }

  function track(ref: PlaneObjectRef, saved: SavedRun): Run {
    const { manifest, status, log } = saved;
    const run: Run = { ref, manifest, status, log, health: workflowHealth({ ...manifest, status }, now(), { simulated: true }), saving: Promise.resolve() };
    runs.set(refKey(ref), run);
    return run;
  }

  function start(ref: PlaneObjectRef, manifest: JsonObject): void {
    const run = track(ref, { manifest, status: { phase: "Running", startedAt: timestamp(), message: "Simulated: running", nodes: {} }, log: [] });
    if (shutdownOf(manifest)) return terminate(run);
    begin(run, 0);
    changed(run);
  }

  async function load(ref: PlaneObjectRef): Promise<SavedRun | undefined> {
    try {
      const saved = JSON.parse(await readFile(stateFile(ref), "utf8")) as SavedRun;
      return isJsonObject(saved.manifest) && isJsonObject(saved.status) && isJsonObject(saved.status.nodes) && Array.isArray(saved.log) ? saved : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") logger.warn({ err, workflow: formatRef(ref) }, "unreadable simulated build state; the build starts again");
      return undefined;
    }
  }

  return {
    async apply(ref, manifest) {
      const run = runs.get(refKey(ref));
      if (!run) return start(ref, manifest);
      if (shutdownOf(manifest) && !isFinished(run.status)) {
        run.manifest = withShutdown(run.manifest, manifest);
        terminate(run);
      }
      // The same run, reported again: an apply is always answered with the object's status.
      else options.onHealth(ref, run.health);
    },

    async resume(ref, manifest) {
      const saved = await load(ref);
      if (!saved) return start(ref, manifest);
      const run = track(ref, saved);
      options.onHealth(ref, run.health);
      let offset = 0;
      const finished = isFinished(run.status);
      run.log.forEach((segment, i) => {
        emitLog(run, segment.step, offset, segment.text, finished && i === run.log.length - 1);
        offset += Buffer.byteLength(segment.text);
      });
      if (finished) return;
      if (shutdownOf(manifest)) {
        run.manifest = withShutdown(run.manifest, manifest);
        return terminate(run);
      }
      // The step that was running when the agent stopped runs its full time again.
      const index = buildSteps.findIndex((step) => nodes(run)[nodeId(run, step)]?.phase === "Running");
      if (index >= 0) return schedule(run, () => finish(run, index));
      begin(run, 0);
      changed(run);
    },

    async remove(ref) {
      const run = runs.get(refKey(ref));
      runs.delete(refKey(ref));
      clearTimeout(run?.timer);
      await run?.saving;
      await rm(stateFile(ref), { force: true });
    },

    health: (ref) => runs.get(refKey(ref))?.health,

    async close() {
      for (const run of runs.values()) clearTimeout(run.timer);
      await Promise.all([...runs.values()].map((run) => run.saving));
    },
  };
}
