import { create, toJson } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AuditRecordSchema, AuditResult, type AuditRecord } from "../../gen/openchoreo/api/v1alpha1/audit_service_pb.js";
import { stringify } from "yaml";
import { parseDuration } from "../model/parse-duration.js";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { formatTable } from "./format-table.js";

const results: Readonly<Record<string, AuditResult>> = { ok: AuditResult.OK, denied: AuditResult.DENIED, failed: AuditResult.FAILED };
const pageSize = 500;

/** `audit`: who changed what, and who was refused, newest first. */
export async function runAudit(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const output = args.value("output");
  const limit = args.has("limit") ? Number(args.value("limit")) : 100;
  if (!Number.isSafeInteger(limit) || limit < 0) throw usageError("--limit must be a whole number (0 for all)", "audit");
  const result = args.value("result");
  if (result !== undefined && !(result in results)) throw usageError("--result must be ok, denied or failed", "audit");
  const since = timeOf(args.value("since"), "--since", io.now());
  const until = timeOf(args.value("until"), "--until", io.now());

  const api = await ctx.api();
  // -n filters only when given: the context's namespace is a default for writes, not a filter here.
  const namespace = args.has("namespace") ? (await ctx.target()).namespace : "";
  const records: AuditRecord[] = [];
  let pageToken = "";
  do {
    const want = limit === 0 ? pageSize : Math.min(pageSize, limit - records.length);
    const page = await api.audit.listAuditRecords({
      subject: args.value("subject") ?? "",
      kind: args.value("kind") ?? "",
      namespace,
      ...(since !== undefined ? { since: timestampFromMs(since) } : {}),
      ...(until !== undefined ? { until: timestampFromMs(until) } : {}),
      result: result ? results[result] : AuditResult.UNSPECIFIED,
      pageSize: want,
      pageToken,
    });
    records.push(...page.records);
    pageToken = page.nextPageToken;
  } while (pageToken && (limit === 0 || records.length < limit));

  if (output === "json" || output === "yaml") {
    const items = records.map((r) => toJson(AuditRecordSchema, create(AuditRecordSchema, r), { alwaysEmitImplicit: true }));
    if (output === "json") io.stdout.write(JSON.stringify({ items }, null, 2) + "\n");
    else io.stdout.write(stringify({ items }));
    return 0;
  }
  if (records.length === 0) {
    io.stderr.write("No audit records found.\n");
    return 0;
  }
  const wide = output === "wide";
  const header = ["TIME", "SUBJECT", "METHOD", "OBJECT", "RESULT", ...(wide ? ["SOURCE", "REQUEST ID", "DETAIL"] : [])];
  const rows = records.map((r) => [
    r.time ? timestampDate(r.time).toISOString().replace(/\.\d+Z$/, "Z") : "",
    r.subject || "(anonymous)",
    r.method.slice(r.method.lastIndexOf(".") + 1),
    objectOf(r),
    r.code,
    ...(wide ? [r.sourceAddress, r.requestId, r.detail] : []),
  ]);
  io.stdout.write(formatTable([header, ...rows]).lines.join("\n") + "\n");
  return 0;
}

function objectOf(r: AuditRecord): string {
  if (!r.kind) return "-";
  return `${r.kind}/${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
}

/** A duration back from now (1h, 30m) or an RFC 3339 time. */
function timeOf(text: string | undefined, flag: string, now: number): number | undefined {
  if (text === undefined) return undefined;
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  const at = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(at)) return at;
  throw usageError(`${flag} must be a duration back from now (30m, 1h, 168h...) or an RFC 3339 time (2026-01-31T09:00:00Z)`, "audit");
}
