import { isJsonObject, type JsonObject } from "../../src/model/json.js";
import { FieldSet, pathString, type FieldPath } from "./field-set.js";
import { KubeStatusError } from "./kube-status.js";
import type { Schema } from "./structural-schema.js";
import { checkConfiguration, compareValues, fieldSetOf, mergeValues, removeFields, withNamedFieldsAbove } from "./typed-value.js";

/** One entry of metadata.managedFields, its fieldsV1 decoded. */
interface Entry {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion: string;
  readonly subresource: string;
  readonly time: string;
  fields: FieldSet;
  /** fieldsV1 as read, to keep `time` when ownership did not change. */
  readonly original?: FieldSet;
}

function readEntries(object: JsonObject | undefined): Entry[] {
  const raw = isJsonObject(object?.metadata) ? object.metadata.managedFields : undefined;
  if (!Array.isArray(raw)) return [];
  return raw.filter(isJsonObject).map((e) => {
    const fields = FieldSet.fromFieldsV1(e.fieldsV1);
    return {
      manager: String(e.manager ?? ""),
      operation: e.operation === "Apply" ? "Apply" : "Update",
      apiVersion: String(e.apiVersion ?? ""),
      subresource: String(e.subresource ?? ""),
      time: String(e.time ?? ""),
      fields,
      original: new FieldSet(fields),
    };
  });
}

function writeEntries(object: JsonObject, entries: readonly Entry[], now: string): void {
  const kept = entries.filter((e) => e.fields.size > 0);
  const metadata = object.metadata as JsonObject;
  if (kept.length === 0) {
    delete metadata.managedFields;
    return;
  }
  metadata.managedFields = kept.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.original?.equals(e.fields) ? e.time : now,
    fieldsType: "FieldsV1",
    fieldsV1: e.fields.toFieldsV1(),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

/** What kube-apiserver never records as anyone's: the identity and what the server sets. */
const serverFields: readonly FieldPath[] = [
  ["f:apiVersion"],
  ["f:kind"],
  ["f:metadata"],
  ...["name", "namespace", "creationTimestamp", "selfLink", "uid", "generation", "managedFields", "resourceVersion"].map((f) => ["f:metadata", `f:${f}`]),
];

function stripped(set: FieldSet): FieldSet {
  const result = new FieldSet(set);
  for (const path of serverFields) result.delete(path);
  return result;
}

export interface ApplyInput {
  /** The object as stored, or undefined when the apply creates it. */
  readonly live: JsonObject | undefined;
  /** The apply configuration, identity included; status already removed where a subresource owns it. */
  readonly applied: JsonObject;
  readonly manager: string;
  readonly force: boolean;
  /** RFC 3339, for managedFields[].time. */
  readonly now: string;
  /** The kind's schema: which lists merge by which keys, which maps are atomic. */
  readonly schema: Schema | undefined;
}

/**
 * Server-side apply as structured-merge-diff does it: the configuration is merged into the live
 * object (keyed lists item by item); fields this manager applied before and no longer applies are
 * removed unless another manager owns them (a list item it alone owned goes whole); a field another
 * manager owns that the result changes is a conflict unless `force` takes it over; managers lose the
 * fields the apply removed. Returns the merged object with its managedFields.
 */
export function serverSideApply({ live, applied, manager, force, now, schema }: ApplyInput): JsonObject {
  checkConfiguration(applied, schema);
  const entries = readEntries(live);
  const mine = entries.find((e) => e.manager === manager && e.operation === "Apply" && !e.subresource);
  const others = entries.filter((e) => e !== mine);
  // The configuration's identity (apiVersion, kind, metadata.name) is nobody's to own but keeps its
  // place: it holds `metadata` against the removal of fields the applier no longer applies.
  const configured = fieldSetOf(applied, schema);
  const desired = stripped(configured);
  const identity = applied.metadata as JsonObject;
  const base: JsonObject = live ?? { metadata: { name: identity.name!, ...(identity.namespace ? { namespace: identity.namespace } : {}) } };
  let result = mergeValues(base, applied, schema) as JsonObject;
  if (mine) {
    const owned = withNamedFieldsAbove(others.reduce((all, e) => all.union(e.fields), configured), schema);
    const dropped = withNamedFieldsAbove(mine.fields, schema).difference(owned);
    if (dropped.size > 0) result = removeFields(result, dropped, schema);
  }
  result.apiVersion = applied.apiVersion!;

  const comparison = compareValues(base, result, schema);
  const changed = comparison.modified.union(comparison.added);
  const conflicts = new Map<Entry, FieldSet>();
  for (const other of others) {
    const overlap = other.fields.intersection(changed);
    if (overlap.size > 0) conflicts.set(other, overlap);
  }
  if (conflicts.size > 0 && !force) {
    const allowed = unchangedSinceClientSideApply(live, schema);
    for (const [entry, fields] of conflicts) {
      const left = fields.difference(allowed);
      if (left.size > 0) conflicts.set(entry, left);
      else conflicts.delete(entry);
    }
    if (conflicts.size > 0) throw conflictError(applied, conflicts);
  }
  for (const other of others) other.fields = other.fields.difference(changed).difference(comparison.removed);
  if (mine) mine.fields = desired;
  else entries.push({ manager, operation: "Apply", apiVersion: String(applied.apiVersion), subresource: "", time: now, fields: desired });
  writeEntries(result, entries, now);
  return result;
}

const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * kube-apiserver's upgrade from client-side apply: the fields of the last-applied-configuration
 * annotation that still hold the values it applied may be taken by a server-side apply without a
 * conflict (so `kubectl apply --server-side` after `kubectl apply` just works).
 */
function unchangedSinceClientSideApply(live: JsonObject | undefined, schema: Schema | undefined): FieldSet {
  const annotations = isJsonObject(live?.metadata) && isJsonObject(live.metadata.annotations) ? live.metadata.annotations : {};
  const text = annotations[lastAppliedAnnotation];
  if (typeof text !== "string") return new FieldSet();
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return new FieldSet();
  }
  if (!isJsonObject(lastApplied)) return new FieldSet();
  const changed = compareValues(lastApplied, live!, schema);
  return fieldSetOf(lastApplied, schema).difference(changed.modified.union(changed.added).union(changed.removed));
}

export interface UpdateInput {
  readonly before: JsonObject | undefined;
  readonly after: JsonObject;
  readonly manager: string;
  /** "" for the main resource, "status" for the status subresource. */
  readonly subresource: string;
  readonly now: string;
  readonly schema: Schema | undefined;
}

/**
 * Records a non-apply write (create, update, patch): the writer owns every field it added or changed
 * (a new map or list item itself too), other managers lose them, and a removed field is owned by no
 * one. Never a conflict.
 */
export function recordUpdate({ before, after, manager, subresource, now, schema }: UpdateInput): JsonObject {
  const entries = readEntries(before);
  const result = structuredClone(after);
  const comparison = compareValues(before ?? {}, result, schema);
  const changed = stripped(comparison.modified.union(comparison.added));
  let mine = entries.find((e) => e.manager === manager && e.operation === "Update" && e.subresource === subresource);
  for (const entry of entries) if (entry !== mine) entry.fields = entry.fields.difference(changed).difference(comparison.removed);
  if (changed.size > 0 || mine) {
    if (!mine) {
      mine = { manager, operation: "Update", apiVersion: String(result.apiVersion), subresource, time: now, fields: new FieldSet() };
      entries.push(mine);
    }
    mine.fields = mine.fields.difference(comparison.removed).union(changed);
  }
  writeEntries(result, entries, now);
  return result;
}

/** kube-apiserver's manager in a conflict: an applier by name, an updater with the API version it wrote. */
const managerName = (entry: Entry) =>
  `"${entry.manager}"${entry.subresource ? ` with subresource "${entry.subresource}"` : ""}${entry.operation === "Update" ? ` using ${entry.apiVersion}` : ""}`;

function conflictError(applied: JsonObject, conflicts: Map<Entry, FieldSet>): KubeStatusError {
  const list = [...conflicts]
    .sort(([a], [b]) => (managerName(a) < managerName(b) ? -1 : 1))
    .map(([entry, fields]) => ({ manager: managerName(entry), paths: [...fields].map(pathString).sort() }));
  const count = list.reduce((n, c) => n + c.paths.length, 0);
  const message =
    count === 1
      ? `Apply failed with 1 conflict: conflict with ${list[0]!.manager}: ${list[0]!.paths[0]!}`
      : `Apply failed with ${count} conflicts: ${list.flatMap((c) => [`conflicts with ${c.manager}:`, ...c.paths.map((p) => `- ${p}`)]).join("\n")}`;
  const metadata = isJsonObject(applied.metadata) ? applied.metadata : {};
  return new KubeStatusError(409, "Conflict", message, {
    ...(typeof metadata.name === "string" ? { name: metadata.name } : {}),
    kind: String(applied.kind),
    causes: list.flatMap((c) => c.paths.map((p) => ({ type: "FieldManagerConflict", message: `conflict with ${c.manager}`, field: p }))),
  });
}
