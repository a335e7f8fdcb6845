import { randomBytes, randomInt } from "node:crypto";
import { isJsonObject, type JsonObject } from "../../model/index.js";
import { auditRecordMatches, type AuditLog, type AuditRecord, type AuditRetention, type StoredAuditRecord } from "../audit-log.js";
import { isKubeApiError, type KubeRestClient } from "./kube-rest-client.js";
import { auditBatchKind } from "./storage-crds.js";

export interface KubernetesAuditLogOptions {
  readonly client: KubeRestClient;
  /** The control plane's namespace: the log lives there, apart from the organizations. */
  readonly namespace: string;
  readonly retention: AuditRetention;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  /** A failed prune: reported, never the append's failure (its records are stored). */
  readonly onPruneError?: (err: unknown) => void;
}

// Records per object: an Apply of thousands of documents stays well under etcd's 1.5 MiB per object.
const recordsPerBatch = 1000;
// Retention is applied now and then (a prune lists the whole log), not at every append.
const pruneEveryMs = 60_000;
// Ids are time-ordered across replicas: milliseconds times this, plus a per-replica sequence.
const idsPerMillisecond = 2048;

/**
 * The audit log in Kubernetes mode, shared by every replica: AuditBatch objects (storage-crds.ts) in
 * the control plane's namespace, each holding the records of one append. An append answers once the
 * API server has stored them, so a write's records are durable before the write is answered (the
 * store appends them right after the write: there is no transaction spanning both, and a process
 * that dies in between leaves a change its caller never heard acknowledged without a record).
 * Queries read the whole log and filter it here; retention (age, count) drops the oldest objects.
 */
export function createKubernetesAuditLog(options: KubernetesAuditLogOptions): AuditLog {
  const { client, retention } = options;
  const now = options.now ?? Date.now;
  const path = auditBatchKind.collectionPath(options.namespace);
  // Distinct from other replicas' ids in the same millisecond (almost always), increasing in this one.
  let lastId = now() * idsPerMillisecond + randomInt(idsPerMillisecond / 2);
  // The first prune a minute after start, as later ones: no replica lists the whole log as it starts.
  let lastPrune = now();

  const nextId = () => (lastId = Math.max(now() * idsPerMillisecond, lastId + 1));

  const listAll = async (): Promise<{ name: string; records: StoredAuditRecord[] }[]> => {
    const batches: { name: string; records: StoredAuditRecord[] }[] = [];
    let next = "";
    do {
      const page = await client.request({ method: "GET", path, query: { limit: "500", continue: next || undefined } });
      for (const item of Array.isArray(page.items) ? page.items.filter(isJsonObject) : []) {
        const name = isJsonObject(item.metadata) ? String(item.metadata.name) : "";
        const spec = isJsonObject(item.spec) ? item.spec : {};
        batches.push({ name, records: (Array.isArray(spec.records) ? spec.records.filter(isJsonObject) : []).map(recordOf) });
      }
      next = isJsonObject(page.metadata) && typeof page.metadata.continue === "string" ? page.metadata.continue : "";
    } while (next);
    return batches;
  };

  const prune = async () => {
    const oldestKept = now() - retention.maxAgeMs;
    // Newest first: keep batches while they fit the count, and only those with a record young enough.
    const batches = (await listAll()).map((b) => ({ ...b, newest: Math.max(...b.records.map((r) => r.id)), youngest: Math.max(...b.records.map((r) => r.time)) }));
    batches.sort((a, b) => b.newest - a.newest);
    let kept = 0;
    for (const batch of batches) {
      kept += batch.records.length;
      if (kept <= retention.maxRecords && batch.youngest >= oldestKept) continue;
      await client.request({ method: "DELETE", path: `${path}/${encodeURIComponent(batch.name)}` }).catch((err: unknown) => {
        if (!(isKubeApiError(err) && err.code === 404)) throw err;
      });
    }
  };

  return {
    async append(records) {
      for (let start = 0; start < records.length; start += recordsPerBatch) {
        const part: JsonObject[] = records.slice(start, start + recordsPerBatch).map((r) => ({ ...recordJson(r), id: nextId() }));
        const name = `audit-${(part[0]!.id as number).toString(36)}-${randomBytes(3).toString("hex")}`;
        await client.request({
          method: "POST",
          path,
          body: { apiVersion: "openchoreo.dev/v1alpha1", kind: auditBatchKind.kind, metadata: { name, labels: { "app.kubernetes.io/managed-by": "openchoreo" } }, spec: { records: part } },
        });
      }
      if (now() - lastPrune >= pruneEveryMs) {
        lastPrune = now();
        await prune().catch((err: unknown) => options.onPruneError?.(err));
      }
    },

    async query(query) {
      const matching = (await listAll()).flatMap((b) => b.records).filter((r) => auditRecordMatches(r, query));
      matching.sort((a, b) => b.id - a.id);
      const page = matching.slice(0, query.limit);
      return { records: page, next: matching.length > query.limit ? page.at(-1)!.id : undefined };
    },
  };
}

function recordJson(record: AuditRecord): JsonObject {
  const { time, subject, method, kind, namespace, name, sourceAddress, requestId, code, detail } = record;
  return { time, subject, method, kind, namespace, name, sourceAddress, requestId, code, detail };
}

function recordOf(json: JsonObject): StoredAuditRecord {
  const text = (field: string) => (typeof json[field] === "string" ? (json[field] as string) : "");
  return {
    id: typeof json.id === "number" ? json.id : 0,
    time: typeof json.time === "number" ? json.time : 0,
    subject: text("subject"),
    method: text("method"),
    kind: text("kind"),
    namespace: text("namespace"),
    name: text("name"),
    sourceAddress: text("sourceAddress"),
    requestId: text("requestId"),
    code: text("code"),
    detail: text("detail"),
  };
}
