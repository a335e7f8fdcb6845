/**
 * Why a render is incomplete. Renderers never throw for bad or missing input: they render what
 * they can and report the rest, for the controller to put into the Binding's conditions.
 * "Error": the input is invalid or names something that cannot be found; that part is not rendered,
 * or is rendered closed (traffic denied) where leaving it out would open it.
 * "Warning": rendered, with a stated limitation of the data plane (what it cannot enforce).
 */
export interface RenderProblem {
  readonly severity: "Error" | "Warning";
  /** CamelCase, usable as a condition reason. */
  readonly reason: RenderProblemReason;
  readonly message: string;
}

export type RenderProblemReason =
  | "ClassNotFound"
  | "ClassTemplateInvalid"
  | "ConfigurationUnresolved"
  | "ConnectionUnresolved"
  | "WorkloadInvalid"
  | "EnvOverridden"
  | "EndpointInvalid"
  | "EndpointNotRoutable"
  | "BackendNotFound"
  | "APIClassNotFound"
  | "PolicyInvalid"
  | "PolicyNotSupported"
  | "NetworkRuleNotSupported";

export function renderError(reason: RenderProblemReason, message: string): RenderProblem {
  return { severity: "Error", reason, message };
}

export function renderWarning(reason: RenderProblemReason, message: string): RenderProblem {
  return { severity: "Warning", reason, message };
}
