import type { Release } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { isJsonObject, type JsonObject } from "../../model/index.js";

/** One Argo node (a step) as the build plane's agent reports it. */
export interface StepProgress {
  readonly name: string;
  readonly phase: string;
  readonly startedAt?: string | undefined;
  readonly finishedAt?: string | undefined;
  readonly message?: string | undefined;
  readonly outputs: Readonly<Record<string, string>>;
}

/** A Workflow's state as its agent last reported it (the compact status JSON of the build contract). */
export interface WorkflowProgress {
  readonly phase: string;
  readonly startedAt?: string | undefined;
  readonly finishedAt?: string | undefined;
  readonly message?: string | undefined;
  readonly reason?: string | undefined;
  /** Object health as the agent judged it (Progressing, Healthy, Degraded, Unknown). */
  readonly health: string;
  readonly nodes: readonly StepProgress[];
  /** When the agent last said anything about the Workflow. */
  readonly observedMs: number | undefined;
  /** Applied, Failed (the plane refused the Workflow) or Pending. */
  readonly syncStatus: string;
  readonly syncMessage: string;
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

function outputsOf(value: unknown): Record<string, string> {
  if (!isJsonObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/**
 * What the Release's status says of one Workflow (by its resource id); undefined until the agent
 * reported anything. Tolerant of missing fields: an agent of another version may report less.
 */
export function workflowProgress(release: Release | undefined, workflowId: string): WorkflowProgress | undefined {
  const reported = release?.status?.resources.find((r) => r.id === workflowId);
  if (!reported) return undefined;
  const status = (reported.status ?? {}) as JsonObject;
  const nodes = Array.isArray(status.nodes) ? status.nodes.filter(isJsonObject) : [];
  const seconds = reported.lastObservedTime?.seconds;
  return {
    phase: text(status.phase) ?? "",
    startedAt: text(status.startedAt),
    finishedAt: text(status.finishedAt),
    message: text(status.message) ?? text(reported.message),
    reason: text(status.reason),
    health: reported.healthStatus ?? "",
    nodes: nodes.map((n) => ({
      name: text(n.name) ?? "",
      phase: text(n.phase) ?? "",
      startedAt: text(n.startedAt),
      finishedAt: text(n.finishedAt),
      message: text(n.message),
      outputs: outputsOf(n.outputs),
    })),
    observedMs: seconds === undefined ? undefined : Number(seconds) * 1000 + Math.floor((reported.lastObservedTime?.nanos ?? 0) / 1e6),
    syncStatus: reported.syncStatus ?? "",
    syncMessage: reported.message ?? "",
  };
}
