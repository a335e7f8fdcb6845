import type { JsonObject } from "../model/index.js";
import { renderCiliumNetworkPolicy } from "./cilium-network-policy.js";
import type { DataPlaneSettings } from "./data-plane-settings.js";
import { renderKubernetesNetworkPolicy } from "./kubernetes-network-policy.js";
import type { RenderProblem } from "./render-problem.js";
import type { TrafficPolicy } from "./traffic-policy.js";

/** A traffic policy in the policy API the data plane enforces. */
export function renderNetworkPolicy(policy: TrafficPolicy, settings: DataPlaneSettings): { manifest: JsonObject; problems: RenderProblem[] } {
  return settings.networkPolicy === "kubernetes"
    ? renderKubernetesNetworkPolicy(policy)
    : { manifest: renderCiliumNetworkPolicy(policy), problems: [] };
}
