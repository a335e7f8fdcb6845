import { Code, ConnectError } from "@connectrpc/connect";
import type { ResourceTreeNode } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import type { Api } from "./create-api.js";

/** A component's pods in one environment at a glance, as `describe component` shows them. */
export type PodsAtAGlance = Record<"ENVIRONMENT" | "READY" | "RESTARTS" | "NOTE", string>;

// describe must not hang on a plane whose agent is slow to answer.
const treeTimeoutMs = 5000;

export function podsAtAGlance(environment: string, nodes: readonly ResourceTreeNode[]): PodsAtAGlance {
  const pods = nodes.filter((n) => n.pod);
  const ready = pods.filter((n) => n.pod!.phase === "Running" && n.pod!.readyContainers === n.pod!.totalContainers).length;
  const restarts = pods.reduce((sum, n) => sum + n.pod!.restarts, 0);
  const reasons = [...new Set(pods.map((n) => n.pod!.lastTerminationReason).filter((r) => r && r !== "Completed"))];
  const notes = [...(nodes.some((n) => n.simulated) ? ["simulated"] : []), ...(reasons.length ? [`last terminated: ${reasons.join(", ")}`] : [])];
  return { ENVIRONMENT: environment, READY: `${ready}/${pods.length}`, RESTARTS: String(restarts), NOTE: notes.join("; ") };
}

/** Each environment's pods, asked of its data plane's agent; an environment it cannot answer for says why. */
export async function componentPods(api: Api, request: { namespace: string; name: string }, environments: readonly string[], signal: AbortSignal): Promise<PodsAtAGlance[]> {
  return Promise.all(
    environments.map(async (environment) => {
      try {
        const tree = await api.components.getResourceTree({ ...request, environment }, { signal: AbortSignal.any([signal, AbortSignal.timeout(treeTimeoutMs)]) });
        return podsAtAGlance(environment, tree.nodes);
      } catch (err) {
        const e = ConnectError.from(err);
        const why = e.code === Code.Unimplemented ? "its plane's agent cannot report pods" : e.code === Code.Unavailable ? "no agent of its plane is connected" : e.rawMessage;
        return { ENVIRONMENT: environment, READY: "", RESTARTS: "", NOTE: `unknown: ${why}` };
      }
    }),
  );
}
