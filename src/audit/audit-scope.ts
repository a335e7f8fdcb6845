import { AsyncLocalStorage } from "node:async_hooks";
import type { AuditRecord } from "../store/index.js";
import type { AuditTarget } from "./audit-targets.js";

/** The call an audit record belongs to: set up per request by the audit trail's interceptor. */
export interface AuditScope {
  /** `package.Service/Method`. */
  readonly method: string;
  readonly requestId: string;
  readonly sourceAddress: string;
  readonly time: number;
  /** The authenticated subject, once the guard has let the call in; "" before. */
  subject(): string;
  /** The objects the request names. */
  targets(): AuditTarget[];
  /** Objects written in this call, with the record committed with each, by "Kind/namespace/name". */
  readonly written: Map<string, AuditRecord>;
  /** The guard's refusal of this call, with the subject it refused. */
  denial?: { readonly subject: string; readonly message: string; readonly request: unknown };
}

const storage = new AsyncLocalStorage<AuditScope>();

/**
 * The scope of the call being served: the store a request's handlers write through finds who asked
 * here, without every write path passing it along. undefined outside a call (controllers).
 */
export const currentAuditScope = (): AuditScope | undefined => storage.getStore();

export function runInAuditScope<T>(scope: AuditScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The key of an object in AuditScope.written. */
export const writtenKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;
