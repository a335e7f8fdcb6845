import { CliError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import { readinessText } from "./conditions.js";
import type { Api } from "./create-api.js";
import { createProgressView, type ProgressTask } from "./progress-view.js";
import { waitForReady, type WaitState, type WaitTarget } from "./wait-for-ready.js";

/**
 * Waits for every target to be Ready, showing progress on stderr (a live task list on a terminal,
 * plain lines elsewhere), and fails with one line naming what is not Ready, and why, on timeout.
 */
export async function waitWithProgress(
  api: Api,
  targets: readonly WaitTarget[],
  options: { readonly timeoutMs: number; readonly timeoutText: string; readonly io: CliIo },
): Promise<void> {
  const { io } = options;
  const view = createProgressView(io.stderr);
  const title = `Waiting up to ${options.timeoutText} for ${targets.length} object${targets.length === 1 ? "" : "s"} to be Ready`;
  let last: readonly WaitState[] = [];
  let outcome: { ready: boolean; states: WaitState[] };
  try {
    outcome = await waitForReady(api, targets, {
      timeoutMs: options.timeoutMs,
      signal: io.signal,
      onChange(states) {
        last = states;
        view.update(title, states.map((s) => task(s, false)));
      },
    });
  } catch (err) {
    // The spinner stops and the cursor comes back before the error is printed.
    view.finish(title, last.map((s) => task(s, false)));
    throw err;
  }
  const ready = outcome.states.filter((s) => s.readiness.state === "ready").length;
  const summary = outcome.ready
    ? `${ready} of ${targets.length} Ready`
    : `${io.signal.aborted ? "Interrupted" : `Timed out after ${options.timeoutText}`}: ${ready} of ${targets.length} Ready`;
  view.finish(summary, outcome.states.map((s) => task(s, !io.signal.aborted)));
  if (outcome.ready || io.signal.aborted) return;
  // The reasons only: the progress above has the messages.
  const waiting = outcome.states
    .filter((s) => s.readiness.state !== "ready")
    .map((s) => `${s.target.ref} (${s.readiness.state === "missing" ? "not found" : readinessText(s.readiness, "reason")})`);
  throw new CliError(`timed out after ${options.timeoutText}: not Ready: ${waiting.join(", ")}`);
}

function task(state: WaitState, final: boolean): ProgressTask {
  const done = state.readiness.state === "ready";
  return { label: state.target.ref, state: done ? "done" : final ? "failed" : "waiting", detail: describe(state) };
}

function describe(state: WaitState): string {
  return state.readiness.state === "missing" ? "not found" : readinessText(state.readiness, "detailed");
}
