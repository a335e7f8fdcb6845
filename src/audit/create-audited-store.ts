import type { DescMessage } from "@bufbuild/protobuf";
import type { KindRegistry } from "../model/index.js";
import type { AuditRecord, ObjectKey, ResourceObject, ResourceStore, StoreWriteOptions } from "../store/index.js";
import { currentAuditScope, writtenKey } from "./audit-scope.js";

/**
 * The store as the API's handlers see it: each create, update and delete made while serving a call
 * carries its audit record (who, which call, which object), which the store commits with the change.
 * Controllers write through the plain store, so their own writes are not audited.
 */
export function createAuditedStore(store: ResourceStore, registry: KindRegistry): ResourceStore {
  const audited = async <T>(schema: DescMessage, key: ObjectKey, detail: string, options: StoreWriteOptions | undefined, write: (options: StoreWriteOptions | undefined) => Promise<T>): Promise<T> => {
    const scope = currentAuditScope();
    if (!scope) return write(options);
    const kind = registry.bySchema(schema.typeName)?.kind ?? schema.typeName;
    const record: AuditRecord = {
      time: scope.time,
      subject: scope.subject(),
      method: scope.method,
      kind,
      namespace: key.namespace,
      name: key.name,
      sourceAddress: scope.sourceAddress,
      requestId: scope.requestId,
      code: "ok",
      detail,
    };
    const result = await write({ ...options, audit: [...(options?.audit ?? []), record] });
    // Only once committed: a write that failed is recorded with its error by the audit trail.
    scope.written.set(writtenKey(kind, key.namespace, key.name), record);
    return result;
  };
  const keyOf = (object: unknown): ObjectKey => {
    const meta = (object as ResourceObject).metadata;
    return { namespace: meta?.namespace ?? "", name: meta?.name || meta?.generateName || "" };
  };

  return {
    get: (schema, key) => store.get(schema, key),
    list: (schema, options) => store.list(schema, options),
    watch: (schema, options) => store.watch(schema, options),
    updateStatus: (schema, object) => store.updateStatus(schema, object),
    create: (schema, object, options) => audited(schema, keyOf(object), "create", options, (o) => store.create(schema, object, o)),
    update: (schema, object, options) => audited(schema, keyOf(object), "update", options, (o) => store.update(schema, object, o)),
    delete: (schema, key, options) => audited(schema, key, "delete", options, (o) => store.delete(schema, key, o)),
    ...(store.auditLog ? { auditLog: store.auditLog } : {}),
    ...(store.onCommit ? { onCommit: store.onCommit.bind(store) } : {}),
    close: () => store.close(),
  };
}
