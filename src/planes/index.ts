export { createPlaneAgentHub, type PlaneAgentHub, type PlaneAgentHubDeps, type LiveObjectView } from "./plane-agent-hub.js";
export type { PlaneAgentSettings } from "./plane-agent-settings.js";
export { createPlaneAgentMetrics, type PlaneAgentMetrics } from "./plane-agent-metrics.js";
export {
  createPlaneCredentials,
  credentialName,
  credentialAccepts,
  defaultGracePeriodSeconds,
  type PlaneCredentials,
  type AuthenticatedPlane,
} from "./plane-credentials.js";
export { agentCommand } from "./agent-command.js";
export { generateToken, hashToken } from "./plane-token.js";
export { isPlaneKind, planeKinds, type PlaneKind, type PlaneRef } from "./plane-ref.js";
export {
  UnauthenticatedError,
  SessionReplacedError,
  HeartbeatTimeoutError,
  isUnauthenticatedError,
  isSessionReplacedError,
  isHeartbeatTimeoutError,
  AgentFeatureMissingError,
  AgentUnavailableError,
  isAgentFeatureMissingError,
  isAgentUnavailableError,
} from "./plane-errors.js";
export type { ComponentLogQuery, ComponentLogBatch } from "./component-log-streams.js";
export type { ResourceTreeQuery } from "./resource-tree-watches.js";
export { createSessionForwarding, forwardedByHeader, type ReplicaDirectory, type SessionForwarding, type SessionForwardingDeps } from "./session-forwarding.js";
