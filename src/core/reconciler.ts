import type { Logger } from "pino";
import type { Client } from "./cached-client.js";
import type { ReconcileRequest } from "./reconcile-request.js";

/** What a reconcile asks for besides success; an empty object means "done until something changes". */
export interface Result {
  /** Reconcile again after this long even if nothing changes (polling an outside system, TTLs). */
  readonly requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** Reads from the cache, writes to the store. */
  readonly client: Client;
  /** Carries controller, reconcileId, namespace and name: every line of one reconcile can be found. */
  readonly logger: Logger;
  readonly reconcileId: string;
  /** Aborted when the controller stops (shutdown, lost leadership): stop early, write nothing more. */
  readonly signal: AbortSignal;
}

/**
 * Drives one object toward its spec. Level-based: read the current state through the client, never
 * trust why it was called. Throw to retry with backoff; throw a TerminalError when retrying cannot help.
 */
export type Reconciler = (request: ReconcileRequest, context: ReconcileContext) => Promise<Result>;
