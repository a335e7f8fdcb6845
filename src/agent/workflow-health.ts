import { getPath, isJsonObject, type JsonObject, type JsonValue } from "../model/json.js";
import type { ObjectHealth } from "./driver.js";
import { objectHealth } from "./object-health.js";

/** The steps of every build template, in the order they run (Argo node display names). */
export const buildSteps = ["clone-step", "build-step", "push-step", "workload-create-step"] as const;

/** Labels the build controller puts on a Workflow, naming the Build it runs. */
export const buildLabel = "openchoreo.dev/build";
export const organizationLabel = "openchoreo.dev/organization";

/** The status message of a Workflow stopped through `spec.shutdown`, as the build contract spells it. */
export const terminatedMessage = "terminated";

/** "<organization>/<build name>" from the Workflow's labels; undefined for a Workflow that runs no Build. */
export function buildIdOf(workflow: JsonObject): string | undefined {
  const labels = getPath(workflow, "metadata.labels");
  if (!isJsonObject(labels)) return undefined;
  const build = labels[buildLabel];
  const organization = labels[organizationLabel];
  return typeof build === "string" && build && typeof organization === "string" && organization ? `${organization}/${build}` : undefined;
}

export interface WorkflowHealthOptions {
  /** The local plane's simulation: every reason is "Simulated" and every message says so. */
  readonly simulated?: boolean;
}

/**
 * The compact health of an Argo Workflow: `{ phase, startedAt, finishedAt, message, reason, nodes }`
 * with the Pod nodes in step order (the build steps first, any other by name) and each node's output
 * parameters as a flat name → value map. A Workflow stopped by `spec.shutdown` is Degraded, "terminated".
 */
export function workflowHealth(object: JsonObject, now: number, options: WorkflowHealthOptions = {}): ObjectHealth {
  const phase = String(getPath(object, "status.phase") ?? "");
  const shutdown = getPath(object, "spec.shutdown");
  const terminated = typeof shutdown === "string" && shutdown !== "" && (phase === "Failed" || phase === "Error");
  const steps = compactNodes(getPath(object, "status.nodes"));
  const argoMessage = String(getPath(object, "status.message") ?? "");
  const status: JsonObject = {
    phase: phase || "Pending",
    ...optional("startedAt", getPath(object, "status.startedAt")),
    ...optional("finishedAt", getPath(object, "status.finishedAt")),
    ...optional("message", terminated ? terminatedMessage : argoMessage),
    nodes: steps,
  };
  const failed = steps.find((s) => s.phase === "Failed" || s.phase === "Error");
  const done = steps.filter((s) => s.phase === "Succeeded").length;
  const [state, reason, message]: [ObjectHealth["health"], string, string] = terminated
    ? ["Degraded", "Terminated", terminatedMessage]
    : phase === "Succeeded"
      ? ["Healthy", "Succeeded", "the workflow succeeded"]
      : phase === "Failed" || phase === "Error"
        ? ["Degraded", phase, argoMessage || (failed ? `step ${failed.name} ${String(failed.phase).toLowerCase()}` : `the workflow ended with ${phase}`)]
        : typeof shutdown === "string" && shutdown !== ""
          ? ["Progressing", phase || "Pending", "terminating"]
          : ["Progressing", phase || "Pending", phase === "Running" ? `running (${done}/${steps.length} steps done)` : "waiting for the workflow controller"];
  if (!options.simulated) return objectHealth(state, reason, message, status, now);
  // The contract's "terminated" is read by the control plane as is; the reason still says Simulated.
  return objectHealth(state, "Simulated", terminated ? message : `Simulated: ${message}`, status, now);
}

interface CompactNode extends JsonObject {
  name: string;
  phase: string;
}

function compactNodes(nodes: unknown): CompactNode[] {
  if (!isJsonObject(nodes)) return [];
  const rank = (name: string) => {
    const index = (buildSteps as readonly string[]).indexOf(name);
    return index < 0 ? buildSteps.length : index;
  };
  return Object.values(nodes)
    .filter(isJsonObject)
    .filter((n) => n.type === undefined || n.type === "Pod")
    .map((n): CompactNode => {
      const outputs = outputParameters(getPath(n, "outputs.parameters"));
      return {
        name: String(n.displayName ?? n.name ?? ""),
        phase: String(n.phase ?? ""),
        ...optional("message", n.message),
        ...optional("startedAt", n.startedAt),
        ...optional("finishedAt", n.finishedAt),
        ...(Object.keys(outputs).length > 0 ? { outputs } : {}),
      };
    })
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

function outputParameters(parameters: unknown): JsonObject {
  const outputs: JsonObject = {};
  if (!Array.isArray(parameters)) return outputs;
  for (const p of parameters) {
    if (isJsonObject(p) && typeof p.name === "string" && p.value !== undefined && p.value !== null) outputs[p.name] = String(p.value);
  }
  return outputs;
}

function optional(key: string, value: unknown): JsonObject {
  if (value === undefined || value === null || value === "") return {};
  return { [key]: value as JsonValue };
}
