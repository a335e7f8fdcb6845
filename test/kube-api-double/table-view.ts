import { isJsonObject, type JsonObject, type JsonValue } from "../../src/model/json.js";
import type { PrinterColumn, ResourceType } from "./resource-catalog.js";

/** The columns every resource gets without printer columns of its own, as for a CRD without any. */
const defaultColumns: readonly PrinterColumn[] = [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }];

/**
 * Evaluates a printer column's JSONPath: `.a.b`, `[n]` and `[?(@.key=="value")]` steps (what CRDs
 * use). Returns every match; a filter can match several items.
 */
export function jsonPathValues(object: JsonValue, path: string): JsonValue[] {
  const steps = path.match(/\.[^.[]+|\[\?\(@\.[^)]*\)\]|\[\d+\]|\[\*\]/g) ?? [];
  let nodes: JsonValue[] = [object];
  for (const step of steps) {
    const next: JsonValue[] = [];
    for (const node of nodes) {
      if (step.startsWith(".")) {
        if (isJsonObject(node) && node[step.slice(1)] !== undefined) next.push(node[step.slice(1)]!);
      } else if (step === "[*]") {
        if (Array.isArray(node)) next.push(...node);
      } else if (step.startsWith("[?")) {
        const [, key, value] = /^\[\?\(@\.([^=!]+)\s*==\s*["']?([^"']*)["']?\)\]$/.exec(step) ?? [];
        if (Array.isArray(node) && key) next.push(...node.filter((item) => isJsonObject(item) && String(item[key.trim()]) === value));
      } else if (Array.isArray(node)) {
        const item = node[Number(step.slice(1, -1))];
        if (item !== undefined) next.push(item);
      }
    }
    nodes = next;
  }
  return nodes;
}

/** kube-apiserver's short human duration ("45s", "2m30s", "5h", "3d4h"), how it shows a date column. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

function cell(object: JsonObject, column: PrinterColumn, now: Date): JsonValue {
  const values = jsonPathValues(object, column.jsonPath);
  if (values.length === 0) return null;
  if (column.type === "date" && values.length === 1 && typeof values[0] === "string") return humanDuration(now.getTime() - Date.parse(values[0]));
  if (values.length > 1) return values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(",");
  const value = values[0]!;
  return isJsonObject(value) || Array.isArray(value) ? JSON.stringify(value) : value;
}

/**
 * A list or object as the `meta.k8s.io/v1` Table `kubectl get` asks for: Name, the resource's printer
 * columns (or Age), and each row's object as PartialObjectMetadata unless `includeObject=Object`.
 */
export function tableOf(
  resource: ResourceType,
  items: readonly JsonObject[],
  { now, includeObject, resourceVersion, continueToken }: { now: Date; includeObject: string; resourceVersion?: string; continueToken?: string },
): JsonObject {
  const columns = resource.printerColumns ?? defaultColumns;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { ...(resourceVersion ? { resourceVersion } : {}), ...(continueToken ? { continue: continueToken } : {}) },
    columnDefinitions: [
      { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.", priority: 0 },
      ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 })),
    ],
    rows: items.map((object) => ({
      cells: [(object.metadata as JsonObject).name!, ...columns.map((c) => cell(object, c, now))],
      object:
        includeObject === "Object"
          ? object
          : includeObject === "None"
            ? null
            : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata! },
    })),
  };
}

/** Whether an Accept header asks for a Table (kubectl get does, with JSON as its fallback). */
export const wantsTable = (accept: string | undefined): boolean => /as=Table/.test(accept ?? "");
