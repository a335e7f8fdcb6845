import { PermissionDeniedError, UnauthenticatedError, isPermissionDeniedError, isUnauthenticatedError } from "../errors/index.js";
import type { Authenticator } from "./authenticator.js";
import { invalidCredential } from "./api-token-authenticator.js";
import type { Authorizer } from "./authorizer.js";
import type { Rule } from "./permission-table.js";
import type { Principal } from "./principal.js";

/** One call as any transport sees it. */
export interface GuardCall {
  /** `package.Service/Method`, or `GET /metrics`. */
  readonly procedure: string;
  readonly headers: { get(name: string): string | null };
  /** The request message, for rules that look at it (namespaces, kinds); absent for bidi streams. */
  readonly request?: unknown;
}

/** A refused call, for an audit sink. */
export interface Denial {
  readonly procedure: string;
  readonly code: "unauthenticated" | "permission_denied";
  /** Who was refused, when the credential was good. */
  readonly subject: string | undefined;
  readonly message: string;
  /** The request as the guard saw it (a stream's first message), so the audit log can name its object. */
  readonly request?: unknown;
}

/** A stream's hold on its credential: `signal` aborts (with UnauthenticatedError) once it is no longer valid. */
export interface StreamLease {
  readonly signal: AbortSignal;
  release(): void;
}

export interface Guard {
  /** Open procedures need no credential (health, reflection, metrics, as configured). */
  isOpen(procedure: string): boolean;
  /**
   * Authenticates and authorizes one call before its handler runs: the principal, or an
   * UnauthenticatedError / PermissionDeniedError. undefined for an open procedure.
   */
  check(call: GuardCall): Promise<Principal | undefined>;
  /** Re-checks a stream's credential every few moments, so revoking a token ends its streams. */
  lease(call: GuardCall, principal: Principal): StreamLease;
  /** Stops re-checking. */
  close(): void;
}

export interface GuardOptions {
  /** Tried in order; the first that claims the credential decides. */
  readonly authenticators: readonly Authenticator[];
  readonly authorizer: Authorizer;
  /** Procedure → what it needs: the permission table. A procedure without an entry is refused. */
  readonly table: ReadonlyMap<string, Rule>;
  /** Services (full names) and `GET /metrics` that answer without a credential. */
  readonly open: ReadonlySet<string>;
  /** Hears every refusal (the audit log). */
  readonly onDenied?: (denial: Denial) => void;
  /** How often open streams re-check their credential. */
  readonly revalidateMs?: number;
}

const bearerPattern = /^Bearer +([\x21-\x7e]+)$/i;
export const missingCredential = "authentication required: send the header authorization: Bearer <token>";

/**
 * The one authentication and authorization function every serving path calls (Connect, gRPC and
 * gRPC-Web through an interceptor; any other path the same way).
 */
export function createGuard(options: GuardOptions): Guard {
  const { authenticators, authorizer, table, open } = options;
  const revalidateMs = options.revalidateMs ?? 1000;

  const deny = (call: GuardCall, err: Error, subject: string | undefined): never => {
    options.onDenied?.({ procedure: call.procedure, code: isUnauthenticatedError(err) ? "unauthenticated" : "permission_denied", subject, message: err.message, ...(call.request !== undefined ? { request: call.request } : {}) });
    throw err;
  };

  const authenticate = async (header: string | null): Promise<Principal> => {
    if (!header) throw new UnauthenticatedError(missingCredential);
    const bearer = bearerPattern.exec(header)?.[1];
    if (!bearer) throw new UnauthenticatedError(invalidCredential);
    for (const authenticator of authenticators) {
      const principal = await authenticator.authenticate(bearer);
      if (principal) return principal;
    }
    throw new UnauthenticatedError(invalidCredential);
  };

  const isOpen = (procedure: string) => open.has(procedure) || open.has(procedure.slice(0, procedure.lastIndexOf("/")));

  // Streams and the credential they opened with, re-checked together on one timer.
  const leases = new Map<object, { header: string | null; subject: string; abort: AbortController }>();
  let timer: NodeJS.Timeout | undefined;
  const revalidate = async () => {
    for (const [key, lease] of [...leases]) {
      const still = await authenticate(lease.header).then(
        (p) => p.subject === lease.subject,
        () => false,
      );
      if (!still && leases.delete(key)) lease.abort.abort(new UnauthenticatedError("the credential of this stream was revoked or expired"));
    }
  };

  return {
    isOpen,
    async check(call) {
      if (isOpen(call.procedure)) return undefined;
      let principal: Principal;
      try {
        principal = await authenticate(call.headers.get("authorization"));
      } catch (err) {
        if (isUnauthenticatedError(err)) deny(call, err, undefined);
        throw err;
      }
      const rule = table.get(call.procedure);
      try {
        if (!rule) throw new PermissionDeniedError(`${call.procedure} is not in the permission table: nobody may call it`);
        authorizer.require(principal, await rule((call.request ?? {}) as Record<string, unknown>));
      } catch (err) {
        if (isPermissionDeniedError(err)) deny(call, err, principal.subject);
        throw err;
      }
      return principal;
    },
    lease(call, principal) {
      const abort = new AbortController();
      const key = {};
      leases.set(key, { header: call.headers.get("authorization"), subject: principal.subject, abort });
      timer ??= setInterval(() => void revalidate(), revalidateMs).unref();
      return {
        signal: abort.signal,
        release() {
          leases.delete(key);
        },
      };
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      leases.clear();
    },
  };
}
