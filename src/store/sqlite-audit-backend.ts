import type Database from "better-sqlite3";
import { deniedCodes, type AuditBackend, type StoredAuditRecord } from "./audit-log.js";

// In store.db, beside the objects, so that a write and its record commit in one transaction.
const table = `
  CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, subject TEXT NOT NULL, method TEXT NOT NULL,
    kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, source_address TEXT NOT NULL,
    request_id TEXT NOT NULL, code TEXT NOT NULL, detail TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS audit_by_time ON audit (time);
  CREATE INDEX IF NOT EXISTS audit_by_subject ON audit (subject, id);
`;

interface AuditRow {
  readonly id: number;
  readonly time: number;
  readonly subject: string;
  readonly method: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly source_address: string;
  readonly request_id: string;
  readonly code: string;
  readonly detail: string;
}

const denied = deniedCodes.map((c) => `'${c}'`).join(", ");

/** The audit log of the SQLite store, in its database (the table is created when missing). */
export function createSqliteAuditBackend(db: Database.Database): AuditBackend {
  db.exec(table);
  const insert = db.prepare<[number, string, string, string, string, string, string, string, string, string]>(
    "INSERT INTO audit (time, subject, method, kind, namespace, name, source_address, request_id, code, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const pruneAge = db.prepare<[number]>("DELETE FROM audit WHERE time < ?");
  const pruneCount = db.prepare<[number]>("DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?");

  return {
    append(records) {
      for (const r of records) insert.run(r.time, r.subject, r.method, r.kind, r.namespace, r.name, r.sourceAddress, r.requestId, r.code, r.detail);
    },

    query(q) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const equal = (column: string, value: string | undefined) => {
        if (value === undefined) return;
        where.push(`${column} = ?`);
        params.push(value);
      };
      equal("subject", q.subject);
      equal("kind", q.kind);
      equal("namespace", q.namespace);
      if (q.since !== undefined) (where.push("time >= ?"), params.push(q.since));
      if (q.until !== undefined) (where.push("time < ?"), params.push(q.until));
      if (q.before !== undefined) (where.push("id < ?"), params.push(q.before));
      if (q.result === "ok") where.push("code = 'ok'");
      if (q.result === "denied") where.push(`code IN (${denied})`);
      if (q.result === "failed") where.push(`code NOT IN ('ok', ${denied})`);
      // One more than asked: whether there is a next page.
      const rows = db
        .prepare<(string | number)[], AuditRow>(
          `SELECT * FROM audit ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${q.limit + 1}`,
        )
        .all(...params);
      const records = rows.slice(0, q.limit).map(toRecord);
      return { records, next: rows.length > q.limit ? records.at(-1)!.id : undefined };
    },

    prune(olderThan, keep) {
      pruneAge.run(olderThan);
      pruneCount.run(keep);
    },
  };
}

function toRecord(row: AuditRow): StoredAuditRecord {
  return {
    id: row.id,
    time: row.time,
    subject: row.subject,
    method: row.method,
    kind: row.kind,
    namespace: row.namespace,
    name: row.name,
    sourceAddress: row.source_address,
    requestId: row.request_id,
    code: row.code,
    detail: row.detail,
  };
}
