import { deniedCodes, type AuditBackend, type AuditQuery, type StoredAuditRecord } from "./audit-log.js";

/** The memory store's audit log: an array, oldest first. */
export function createMemoryAuditBackend(): AuditBackend {
  let records: StoredAuditRecord[] = [];
  let lastId = 0;
  return {
    append(added) {
      for (const record of added) records.push({ ...record, id: ++lastId });
    },
    query(q) {
      const page: StoredAuditRecord[] = [];
      for (let i = records.length - 1; i >= 0 && page.length <= q.limit; i--) {
        if (matches(records[i]!, q)) page.push(records[i]!);
      }
      const more = page.length > q.limit;
      if (more) page.pop();
      return { records: page, next: more ? page.at(-1)!.id : undefined };
    },
    prune(olderThan, keep) {
      records = records.filter((r) => r.time >= olderThan && r.id > lastId - keep);
    },
  };
}

function matches(r: StoredAuditRecord, q: AuditQuery): boolean {
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
