import type { DescService } from "@bufbuild/protobuf";
import { describeResourceService, isJsonObject, parsedRequestManifests, type Codec, type JsonObject } from "../model/index.js";

/** The object a call is about, as an audit record names it; "" where the call names none. */
export interface AuditTarget {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

const applyMethod = "openchoreo.api.v1alpha1.ResourceService/Apply";

/**
 * The objects a call names, from its request: one per document of an Apply, else the kind of a
 * typed service or ResourceService's `kind` field with the request's namespace and name (or its
 * object's metadata). A request that names nothing gives one empty target, so the call still has
 * its record.
 */
export function auditTargets(service: DescService, method: string, request: unknown, codec: Codec): AuditTarget[] {
  const fields = isRecord(request) ? request : {};
  if (`${service.typeName}/${method}` === applyMethod) {
    const targets = applyTargets(fields, codec);
    if (targets.length > 0) return targets;
  }
  const typedKind = describeResourceService(service, codec.registry)?.kind;
  const object = Object.values(fields).find((v) => isRecord(v) && isRecord(v.metadata)) as { metadata: Record<string, unknown> } | undefined;
  const kindName = text(fields.kind) || typedKind?.kind || "";
  const kind = kindName ? (codec.registry.resolve(kindName, text(fields.apiVersion) || undefined) ?? typedKind) : typedKind;
  const namespace = text(fields.namespace) || text(fields.organization) || text(object?.metadata.namespace);
  return [
    {
      kind: kind?.kind ?? kindName,
      namespace: kind && !kind.namespaced ? "" : namespace || (kind ? "default" : ""),
      name: text(fields.name) || text(object?.metadata.name),
    },
  ];
}

function applyTargets(fields: Record<string, unknown>, codec: Codec): AuditTarget[] {
  // The documents the guard and the handler parsed from this request, if they did.
  const parsed = parsedRequestManifests(fields);
  if (parsed === "invalid") return [];
  let documents: readonly JsonObject[];
  try {
    documents = parsed ?? codec.parseManifests(text(fields.manifests));
  } catch {
    return [];
  }
  const defaultNamespace = text(fields.defaultNamespace) || "default";
  return documents.map((doc) => {
    const meta = isJsonObject(doc.metadata) ? doc.metadata : {};
    const kind = typeof doc.kind === "string" ? codec.registry.resolve(doc.kind, text(doc.apiVersion) || undefined) : undefined;
    return {
      kind: kind?.kind ?? text(doc.kind),
      namespace: kind && !kind.namespaced ? "" : text(meta.namespace) || defaultNamespace,
      name: text(meta.name),
    };
  });
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
