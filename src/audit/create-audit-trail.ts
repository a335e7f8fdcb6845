import { Code, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import type { Denial } from "../auth/index.js";
import { principalKey } from "../auth/index.js";
import type { Clock } from "../core/index.js";
import type { Codec } from "../model/index.js";
import { peerAddressKey, requestIdKey, toConnectError } from "../server/index.js";
import type { AuditLog, AuditRecord } from "../store/index.js";
import { currentAuditScope, runInAuditScope, writtenKey, type AuditScope } from "./audit-scope.js";
import { auditTargets, type AuditTarget } from "./audit-targets.js";
import { redactDetail } from "./redact-detail.js";

export interface AuditTrailDeps {
  /** Where records go; without one (a store that keeps none) they are logged at info level. */
  readonly log: AuditLog | undefined;
  readonly codec: Codec;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Records every mutation by a principal and every refused call. */
export interface AuditTrail {
  /**
   * Outside the guard and inside the RPC observer: sets up the call's audit scope (the audited
   * store records each write through it) and records failed mutations, refusals, and mutations
   * that wrote nothing (an Apply's unchanged documents), before the caller hears the outcome.
   */
  readonly interceptor: Interceptor;
  /** The guard's onDenied: who was refused, for the record the interceptor writes. */
  onDenied(denial: Denial): void;
}

// Reads; every other method changes something (or asks to).
const readMethod = /^(Get|List|Watch|Stream|WhoAmI|Check|ServerReflectionInfo|Connect$)/;

export function createAuditTrail(deps: AuditTrailDeps): AuditTrail {
  const { codec, clock, logger } = deps;
  const logged = (records: Iterable<AuditRecord>) => {
    for (const record of records) logger.info({ audit: record }, "audit");
  };
  const append = async (records: AuditRecord[]) => {
    if (records.length === 0) return;
    if (deps.log) await deps.log.append(records);
    else logged(records);
  };
  const recordsOf = (scope: Pick<AuditScope, "method" | "requestId" | "sourceAddress" | "time">, targets: readonly AuditTarget[], fields: Pick<AuditRecord, "subject" | "code" | "detail">): AuditRecord[] =>
    targets.map((t) => ({ time: scope.time, method: scope.method, requestId: scope.requestId, sourceAddress: scope.sourceAddress, ...t, ...fields }));

  const interceptor: Interceptor = (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    // A stream's request is read by the guard, after this: a refusal hands it over (onDenied).
    const request: unknown = req.stream ? undefined : req.message;
    let targets: AuditTarget[] | undefined;
    const scope: AuditScope = {
      method,
      requestId: req.contextValues.get(requestIdKey),
      sourceAddress: req.contextValues.get(peerAddressKey),
      time: clock.now(),
      subject: () => req.contextValues.get(principalKey)?.subject ?? "",
      targets: () => (targets ??= auditTargets(req.service, req.method.name, request ?? scope.denial?.request, codec)),
      written: new Map(),
    };
    const mutation = !readMethod.test(req.method.name);
    const unwritten = () => scope.targets().filter((t) => !scope.written.has(writtenKey(t.kind, t.namespace, t.name)));
    try {
      const res = await runInAuditScope(scope, () => next(req)).finally(() => {
        // A store without an audit log of its own dropped the records its writes carried.
        if (!deps.log) logged(scope.written.values());
      });
      // Said ok without a write: Apply's unchanged documents, a mutation that found nothing to do.
      if (mutation && (scope.written.size === 0 || method.endsWith("ResourceService/Apply"))) {
        await append(recordsOf(scope, unwritten(), { subject: scope.subject(), code: "ok", detail: "unchanged" }));
      }
      return res;
    } catch (err) {
      const error = toConnectError(err);
      const code = codeToString(error?.code ?? Code.Internal);
      if (scope.denial || mutation) {
        const subject = scope.denial?.subject ?? scope.subject();
        // Unexpected errors reach the client as a generic message; the record says no more.
        const detail = redactDetail(scope.denial?.message ?? (error ? error.rawMessage : "internal error"));
        await append(recordsOf(scope, unwritten(), { subject, code, detail })).catch((auditErr: unknown) =>
          logger.error({ err: auditErr, method, requestId: scope.requestId }, "writing the audit record of a refused or failed call failed"),
        );
      }
      throw err;
    }
  };

  return {
    interceptor,
    onDenied(denial) {
      const scope = currentScopeOf(denial);
      if (scope) {
        scope.denial = { subject: denial.subject ?? "", message: denial.message, request: denial.request };
        return;
      }
      // A refusal outside a Connect call (GET /metrics): nobody else will record it.
      const at = { method: denial.procedure, requestId: "", sourceAddress: "", time: clock.now() };
      append(recordsOf(at, [{ kind: "", namespace: "", name: "" }], { subject: denial.subject ?? "", code: denial.code, detail: redactDetail(denial.message) })).catch(
        (err: unknown) => logger.error({ err, procedure: denial.procedure }, "writing the audit record of a refusal failed"),
      );
    },
  };
}

/** The scope of the call the guard refused (a guard called from another serving path has none). */
function currentScopeOf(denial: Denial): AuditScope | undefined {
  const scope = currentAuditScope();
  return scope?.method === denial.procedure ? scope : undefined;
}
