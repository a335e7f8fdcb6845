import type { JsonObject } from "../../src/model/json.js";
import { badRequest } from "./kube-status.js";
import type { ResourceType } from "./resource-catalog.js";

export interface FieldSelector {
  matches(object: JsonObject): boolean;
}

/** The fields each kind can be selected by, beyond metadata.name and metadata.namespace (kube-apiserver's field label sets). */
const extraFields: Record<string, Record<string, (object: JsonObject) => string | undefined>> = {
  Pod: {
    "spec.nodeName": (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? "",
    "status.phase": (o) => (o.status as { phase?: string } | undefined)?.phase ?? "",
  },
  Secret: { type: (o) => (typeof o.type === "string" ? o.type : "") },
  Namespace: { "status.phase": (o) => (o.status as { phase?: string } | undefined)?.phase ?? "" },
};

/**
 * A `fieldSelector`: comma-separated `field=value`, `field==value` or `field!=value`; a field the kind
 * cannot be selected by is 400, as kube-apiserver answers.
 */
export function parseFieldSelector(resource: ResourceType, text: string | null): FieldSelector | undefined {
  if (!text) return undefined;
  const fields: Record<string, (object: JsonObject) => string | undefined> = {
    "metadata.name": (o) => String((o.metadata as JsonObject).name ?? ""),
    "metadata.namespace": (o) => String((o.metadata as JsonObject).namespace ?? ""),
    ...extraFields[resource.kind],
  };
  const requirements = text.split(",").map((part) => {
    const match = /^([^!=]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [, field, operator, value] = match as unknown as [string, string, string, string];
    const read = fields[field.trim()];
    if (!read) throw badRequest(`field label not supported: ${field.trim()}`);
    return { read, negate: operator === "!=", value: value.trim() };
  });
  return { matches: (object) => requirements.every((r) => (r.read(object) === r.value) !== r.negate) };
}
