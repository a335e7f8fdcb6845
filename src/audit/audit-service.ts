import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { AuditResult, type AuditService, type ListAuditRecordsRequest } from "../../gen/openchoreo/api/v1alpha1/audit_service_pb.js";
import { FailedPreconditionError, InvalidSpecError, type FieldViolation } from "../errors/index.js";
import type { KindRegistry } from "../model/index.js";
import type { AuditLog, AuditQuery, AuditResult as StoredResult } from "../store/index.js";

const defaultPageSize = 100;
const maxPageSize = 1000;
const results: Readonly<Record<AuditResult, StoredResult | undefined>> = {
  [AuditResult.UNSPECIFIED]: undefined,
  [AuditResult.OK]: "ok",
  [AuditResult.DENIED]: "denied",
  [AuditResult.FAILED]: "failed",
};

/** AuditService: the audit log, queried. FailedPrecondition when the store keeps none. */
export function createAuditService(deps: { readonly log: AuditLog | undefined; readonly registry: KindRegistry }): ServiceImpl<typeof AuditService> {
  return {
    async listAuditRecords(request) {
      const query = auditQueryOf(request, deps.registry);
      if (!deps.log) throw new FailedPreconditionError("this server's store keeps no audit log: its records go to the server log (see the README, audit log)");
      const page = await deps.log.query(query);
      return {
        records: page.records.map((r) => ({ ...r, time: timestampFromMs(r.time) })),
        nextPageToken: page.next === undefined ? "" : String(page.next),
      };
    },
  };
}

/** The request as a store query; InvalidArgument naming each field at fault. */
function auditQueryOf(request: ListAuditRecordsRequest, registry: KindRegistry): AuditQuery {
  const violations: FieldViolation[] = [];
  if (request.pageSize < 0 || request.pageSize > maxPageSize) violations.push({ path: "page_size", message: `must be from 0 (the default, ${defaultPageSize}) to ${maxPageSize}` });
  if (request.pageToken && !/^[1-9]\d{0,15}$/.test(request.pageToken)) violations.push({ path: "page_token", message: "is not a token this server gave out" });
  const kind = request.kind ? registry.resolve(request.kind) : undefined;
  if (request.kind && !kind) violations.push({ path: "kind", message: `unknown kind "${request.kind}"` });
  if (!(request.result in results)) violations.push({ path: "result", message: "unknown result" });
  const since = request.since && timestampDate(request.since).getTime();
  const until = request.until && timestampDate(request.until).getTime();
  if (since !== undefined && until !== undefined && until <= since) violations.push({ path: "until", message: "must be after since" });
  if (violations.length > 0) throw new InvalidSpecError(violations);
  const result = results[request.result];
  return {
    limit: request.pageSize || defaultPageSize,
    ...(request.subject ? { subject: request.subject } : {}),
    ...(kind ? { kind: kind.kind } : {}),
    ...(request.namespace ? { namespace: request.namespace } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(result ? { result } : {}),
    ...(request.pageToken ? { before: Number(request.pageToken) } : {}),
  };
}
