import { buildSteps } from "../../render/index.js";
import type { ConditionInput } from "../conditions.js";
import type { StepProgress, WorkflowProgress } from "./workflow-progress.js";

export type BuildPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Cancelled";

export interface OutcomeInput {
  /** What the agent reported of the Workflow; undefined before anything was. */
  readonly progress: WorkflowProgress | undefined;
  readonly cancelRequested: boolean;
  readonly nowMs: number;
  /** Since when the build waits for news when the agent never reported (the Release's creation). */
  readonly waitingSinceMs: number;
  readonly timeoutMs: number;
}

export interface BuildOutcome {
  readonly phase: BuildPhase;
  readonly completed: ConditionInput;
  /** The reported steps, in the templates' order. */
  readonly steps: readonly StepProgress[];
  /** When to look again if nothing else wakes the build: the moment it would time out. */
  readonly requeueAfterMs?: number;
  /** From the steps' outputs once the build succeeded. */
  readonly image?: string | undefined;
  readonly commit?: string | undefined;
  readonly workload?: string | undefined;
}

const failedPhases = new Set(["Failed", "Error"]);

function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * Where a build stands, from what the build plane reported of its Workflow: pure, so every path
 * (each step failing, cancellation, silence) is tested without a plane. A failure names its step.
 */
export function buildOutcome(input: OutcomeInput): BuildOutcome {
  const { progress } = input;
  const nodes = new Map((progress?.nodes ?? []).map((n) => [n.name, n]));
  const steps = buildSteps.map((name) => nodes.get(name)).filter((n): n is StepProgress => !!n);
  const outputs = (step: string, name: string) => nodes.get(step)?.outputs[name];
  const commit = outputs("clone-step", "git-revision");
  const done = (phase: BuildPhase, completed: Omit<ConditionInput, "type">): BuildOutcome => ({ phase, steps, commit, completed: { type: "Completed", ...completed } });

  if (progress?.phase === "Succeeded") {
    return { ...done("Succeeded", { status: "True", reason: "Succeeded", message: `every step succeeded${commit ? ` at commit ${commit}` : ""}` }), image: outputs("push-step", "image"), workload: outputs("workload-create-step", "workload") };
  }
  if (progress && failedPhases.has(progress.phase)) {
    if (input.cancelRequested || progress.message === "terminated") {
      return done("Cancelled", { status: "False", reason: "Cancelled", message: "the build was cancelled: its Workflow was terminated" });
    }
    const failed = steps.find((s) => failedPhases.has(s.phase));
    const why = failed?.message ?? progress.message ?? "no reason given";
    return failed
      ? done("Failed", { status: "False", reason: "StepFailed", message: `step ${failed.name} failed: ${why}` })
      : done("Failed", { status: "False", reason: "WorkflowFailed", message: `the Workflow failed: ${why}` });
  }
  // Refused: the build plane's agent will not run it (its own limits); retrying changes nothing.
  if (progress?.syncStatus === "Failed" || progress?.syncStatus === "Refused") {
    return done("Failed", { status: "False", reason: "SubmitFailed", message: `the build plane refused the Workflow: ${progress.syncMessage || "no reason given"}` });
  }
  if (input.cancelRequested && !progress?.phase) {
    return done("Cancelled", { status: "False", reason: "Cancelled", message: "the build was cancelled before it started" });
  }
  const lastHeardMs = progress?.observedMs ?? input.waitingSinceMs;
  const silentMs = input.nowMs - lastHeardMs;
  if (silentMs >= input.timeoutMs) {
    const at = steps.find((s) => s.phase === "Running");
    return done("Failed", {
      status: "False",
      reason: "TimedOut",
      message: `the build plane reported nothing about the Workflow for ${formatDuration(input.timeoutMs)}${at ? ` (step ${at.name} was running)` : ""}`,
    });
  }
  const running = progress?.phase === "Running";
  const current = [...steps].reverse().find((s) => s.phase === "Running" || s.phase === "Pending");
  const message = current ? `step ${current.name} is ${current.phase.toLowerCase()}` : running ? "the Workflow is running" : "waiting for the build plane to start the Workflow";
  return { ...done(running ? "Running" : "Pending", { status: "False", reason: running ? "Running" : "Pending", message }), requeueAfterMs: input.timeoutMs - silentMs };
}
