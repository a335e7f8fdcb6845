/**
 * What a controller is asked to reconcile: only a key, never the event that caused it. Reconcile is
 * level-based: it reads the current state and drives it toward the spec, whatever happened before.
 * namespace is "" for cluster-scoped kinds.
 */
export interface ReconcileRequest {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** A string that identifies a request in maps and sets (names never contain "/"). */
export function requestKey(request: ReconcileRequest): string {
  return `${request.kind}/${request.namespace}/${request.name}`;
}
