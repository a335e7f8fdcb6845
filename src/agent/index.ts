export {
  type PlaneDriver,
  type PlaneObjectRef,
  type HealthState,
  type ObjectHealth,
  type ApplyOutcome,
  type InventoryObject,
  type ReleaseInventoryRecord,
  type LiveObjectRecord,
  type HealthListener,
  type BuildLogChunk,
  type LogListener,
} from "./driver.js";
export { createLocalDriver, type LocalDriverOptions } from "./local-driver.js";
export { createKubernetesDriver, managedKinds, releaseFieldManager, type KubernetesDriverOptions } from "./kubernetes-driver.js";
export { loadKubeConfig } from "./kubernetes-config.js";
export { createPlaneAgent, type PlaneAgent, type PlaneAgentOptions, type PlaneKind } from "./plane-agent.js";
export { parseAgentArgs, agentUsage, AgentArgsError, isAgentArgsError, type AgentArgs } from "./parse-agent-args.js";
export { createPlaneGuard, isPlaneGuardConfigError, PlaneGuardConfigError, type PlaneGuard, type PlaneGuardConfig } from "./plane-guard.js";
export { planeAllowList, defaultNamespacePrefixes, defaultPrivilegedBuildTemplates, type AllowedKind } from "./plane-allow-list.js";
export { podSecurityViolations } from "./pod-security-baseline.js";
export { createBackoff, type Backoff, type BackoffOptions } from "./backoff.js";
export { refKey, refOfManifest, formatRef } from "./object-ref.js";
export { buildSteps, buildLabel, organizationLabel, terminatedMessage, buildIdOf, workflowHealth } from "./workflow-health.js";
export { simulatedCommit } from "./simulated-workflow.js";
