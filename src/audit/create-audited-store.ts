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
  const recordFor = (schema: DescMessage, key: ObjectKey, detail: string): readonly AuditRecord[] | undefined => {
    const scope = currentAuditScope();
    if (!scope) return undefined;
    const kind = registry.bySchema(schema.typeName)?.kind ?? schema.typeName;
    scope.written.add(writtenKey(kind, key.namespace, key.name));
    return [
      {
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
      },
    ];
  };
  const withAudit = (options: StoreWriteOptions | undefined, audit: readonly AuditRecord[] | undefined) =>
    audit ? { ...options, audit: [...(options?.audit ?? []), ...audit] } : options;
  const keyOf = (object: unknown): ObjectKey => {
    const meta = (object as ResourceObject).metadata;
    return { namespace: meta?.namespace ?? "", name: meta?.name || meta?.generateName || "" };
  };

  return {
    get: (schema, key) => store.get(schema, key),
    list: (schema, options) => store.list(schema, options),
    watch: (schema, options) => store.watch(schema, options),
    updateStatus: (schema, object) => store.updateStatus(schema, object),
    create: (schema, object, options) => store.create(schema, object, withAudit(options, recordFor(schema, keyOf(object), "create"))),
    update: (schema, object, options) => store.update(schema, object, withAudit(options, recordFor(schema, keyOf(object), "update"))),
    delete: (schema, key, options) => store.delete(schema, key, withAudit(options, recordFor(schema, key, "delete"))),
    ...(store.auditLog ? { auditLog: store.auditLog } : {}),
    close: () => store.close(),
  };
}
