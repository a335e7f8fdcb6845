import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

// Reading the Kubernetes-shaped JSON objects the API returns, without a type per kind.
export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

const obj = (v: JsonValue | undefined): JsonObject => (v && typeof v === "object" && !Array.isArray(v) ? v : {});

/** A field by dotted path ("spec.owner.componentName"), or undefined. */
export function field(o: JsonObject | undefined, path: string): JsonValue | undefined {
  let v: JsonValue | undefined = o;
  for (const part of path.split(".")) v = obj(v)[part];
  return v;
}
export const text = (o: JsonObject | undefined, path: string): string => {
  const v = field(o, path);
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : "";
};
export const nameOf = (o: JsonObject) => text(o, "metadata.name");
export const labelOf = (o: JsonObject, label: string): string => {
  const v = obj(obj(o.metadata).labels)[label];
  return typeof v === "string" ? v : "";
};

export function conditions(o: JsonObject | undefined): Condition[] {
  const c = field(o, "status.conditions");
  return Array.isArray(c) ? (c as unknown as Condition[]) : [];
}
export const condition = (o: JsonObject | undefined, type: string) => conditions(o).find((c) => c.type === type);

export const byName = (a: JsonObject, b: JsonObject) => nameOf(a).localeCompare(nameOf(b));

export const labels = {
  project: "openchoreo.dev/project",
  component: "openchoreo.dev/component",
  environment: "openchoreo.dev/environment",
};

/** The binding kind of each component type. */
export const bindingKinds: Readonly<Record<string, string>> = {
  Service: "ServiceBinding",
  WebApplication: "WebApplicationBinding",
  ScheduledTask: "ScheduledTaskBinding",
  API: "APIBinding",
};

/** "3m ago" style, for timestamps in lists. */
export function ago(iso: string, now = Date.now()): string {
  if (!iso) return "";
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.max(s, 0)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
