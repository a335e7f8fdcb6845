import type { JsonObject, JsonValue, KindInfo } from "../model/index.js";

/** The metadata fields the CLI reads, from an object of any kind. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly generation: number | undefined;
  readonly resourceVersion: string;
  readonly creationTimestamp: string | undefined;
  readonly deletionTimestamp: string | undefined;
}

export function objectMeta(object: JsonObject): ObjectMeta {
  const meta = asObject(object.metadata);
  const text = (v: JsonValue | undefined) => (typeof v === "string" ? v : undefined);
  return {
    name: text(meta.name) ?? "",
    namespace: text(meta.namespace) ?? "",
    labels: asObject(meta.labels) as Record<string, string>,
    annotations: asObject(meta.annotations) as Record<string, string>,
    generation: typeof meta.generation === "number" ? meta.generation : undefined,
    resourceVersion: text(meta.resourceVersion) ?? "",
    creationTimestamp: text(meta.creationTimestamp),
    deletionTimestamp: text(meta.deletionTimestamp),
  };
}

/** How kubectl names an object in messages and `-o name`: `component.openchoreo.dev/greeter`. */
export function objectRef(kind: KindInfo, name: string): string {
  return `${kind.singular}.${kind.group}/${name}`;
}

export function asObject(value: JsonValue | undefined): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}
