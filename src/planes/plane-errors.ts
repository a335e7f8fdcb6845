// Why a plane agent's stream was refused or ended. The API layer maps each to its wire code; core
// code never throws wire errors.

/** No credential, an unknown one, a revoked one, or one rotated out past its grace period. */
export class UnauthenticatedError extends Error {
  override readonly name = "UnauthenticatedError";
}

/** A newer session of the same plane took over. */
export class SessionReplacedError extends Error {
  override readonly name = "SessionReplacedError";
}

/** The agent sent nothing within the heartbeat timeout. */
export class HeartbeatTimeoutError extends Error {
  override readonly name = "HeartbeatTimeoutError";
}

const hasName = (err: unknown, name: string) => err instanceof Error && err.name === name;
export const isUnauthenticatedError = (e: unknown): e is UnauthenticatedError => hasName(e, "UnauthenticatedError");
export const isSessionReplacedError = (e: unknown): e is SessionReplacedError => hasName(e, "SessionReplacedError");
export const isHeartbeatTimeoutError = (e: unknown): e is HeartbeatTimeoutError => hasName(e, "HeartbeatTimeoutError");

/** The plane's agent did not announce the feature a call needs (an older or minimal agent). */
export class AgentFeatureMissingError extends Error {
  override readonly name = "AgentFeatureMissingError";
}

/** No agent of the plane is connected to this replica, or it went away during the call. */
export class AgentUnavailableError extends Error {
  override readonly name = "AgentUnavailableError";
}

export const isAgentFeatureMissingError = (e: unknown): e is AgentFeatureMissingError => hasName(e, "AgentFeatureMissingError");
export const isAgentUnavailableError = (e: unknown): e is AgentUnavailableError => hasName(e, "AgentUnavailableError");
