/**
 * A reconcile failure that retrying cannot fix (an invalid reference, an unsupported combination):
 * the controller logs and counts it and does not requeue the key. The reconciler records why in a
 * condition before throwing; a later change to the object triggers a new reconcile as usual.
 */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
}

export const isTerminalError = (e: unknown): e is TerminalError => e instanceof Error && e.name === "TerminalError";
