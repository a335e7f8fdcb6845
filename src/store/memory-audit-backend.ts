import { auditRecordMatches, type AuditBackend, type StoredAuditRecord } from "./audit-log.js";

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
        if (auditRecordMatches(records[i]!, q)) page.push(records[i]!);
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
