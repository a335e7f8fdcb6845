/**
 * One entry of the audit log: who did what to which object, from where, and how it ended. It holds
 * names and outcomes only, never an object's content or a credential, so there is nothing secret in
 * it to redact but what a message might quote (see src/audit/).
 */
export interface AuditRecord {
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** The authenticated subject ("token:ci", "oidc:248289761001", "alice@example.com"); "" when unauthenticated. */
  readonly subject: string;
  /** The RPC: "openchoreo.api.v1alpha1.ResourceService/Apply". */
  readonly method: string;
  /** The object's kind ("Component"), namespace ("" when cluster-scoped) and name; "" when the call names none. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The caller's address as the server saw it. */
  readonly sourceAddress: string;
  readonly requestId: string;
  /** "ok", or the call's error code as Connect names it ("permission_denied", "invalid_argument"...). */
  readonly code: string;
  /** What happened ("create", "update", "delete", "unchanged"), or the error's message. */
  readonly detail: string;
}

/** A record as kept: its id orders records by when they were written. */
export interface StoredAuditRecord extends AuditRecord {
  readonly id: number;
}

/** "denied": permission_denied or unauthenticated; "failed": any other error. */
export type AuditResult = "ok" | "denied" | "failed";

export interface AuditQuery {
  readonly subject?: string;
  readonly kind?: string;
  readonly namespace?: string;
  /** From this time (ms, inclusive). */
  readonly since?: number;
  /** Before this time (ms, exclusive). */
  readonly until?: number;
  readonly result?: AuditResult;
  readonly limit: number;
  /** Only records older than this id: the `next` of the previous page. */
  readonly before?: number;
}

export interface AuditPage {
  /** Newest first. */
  readonly records: StoredAuditRecord[];
  /** Pass as `before` for the next page; undefined on the last. */
  readonly next: number | undefined;
}

/** How long records are kept, and how many at most. */
export interface AuditRetention {
  readonly maxAgeMs: number;
  readonly maxRecords: number;
}

/**
 * The audit log a store keeps beside its objects. A write's own record goes in through the write
 * (StoreWriteOptions.audit), committed with it; `append` is for calls that wrote nothing (denied,
 * failed, a no-op), and answers once the records are durable.
 */
export interface AuditLog {
  append(records: readonly AuditRecord[]): Promise<void>;
  query(query: AuditQuery): Promise<AuditPage>;
}

/** What a store backend implements to keep an audit log (synchronous, as the backend is). */
export interface AuditBackend {
  /** Inside StoreBackend.transaction when a write carries records; on its own otherwise. */
  append(records: readonly AuditRecord[]): void;
  query(query: AuditQuery): AuditPage;
  /** Drops records older than `olderThan` (ms), then all but the newest `keep`. */
  prune(olderThan: number, keep: number): void;
}

/** The codes a "denied" result covers. */
export const deniedCodes: readonly string[] = ["permission_denied", "unauthenticated"];

/** Whether a record is one a query asks for (adapters that filter in memory). */
export function auditRecordMatches(r: StoredAuditRecord, q: AuditQuery): boolean {
  const denied = deniedCodes.includes(r.code);
  return (
    (q.subject === undefined || r.subject === q.subject) &&
    (q.kind === undefined || r.kind === q.kind) &&
    (q.namespace === undefined || r.namespace === q.namespace) &&
    (q.since === undefined || r.time >= q.since) &&
    (q.until === undefined || r.time < q.until) &&
    (q.before === undefined || r.id < q.before) &&
    (q.result === undefined || (q.result === "ok" ? r.code === "ok" : q.result === "denied" ? denied : r.code !== "ok" && !denied))
  );
}
