import { isJsonObject, jsonEqual, type JsonObject } from "../../src/model/json.js";
import { deleteAt, FieldSet, getAt, leafPaths, setAt, type FieldPath } from "./field-set.js";
import { KubeStatusError } from "./kube-status.js";

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
  const raw = getAt(object ?? {}, ["metadata", "managedFields"]);
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

const dotted = (path: FieldPath) => `.${path.join(".")}`;

export interface ApplyInput {
  /** The object as stored, or undefined when the apply creates it. */
  readonly live: JsonObject | undefined;
  /** The apply configuration, identity included; status already removed where a subresource owns it. */
  readonly applied: JsonObject;
  readonly manager: string;
  readonly force: boolean;
  /** RFC 3339, for managedFields[].time. */
  readonly now: string;
}

/**
 * Server-side apply, as structured-merge-diff does it at the granularity of map fields (lists are
 * atomic): the manager's fields take the applied values; a field another manager owns with a different
 * value is a conflict unless `force` moves it; fields the manager owned and no longer applies are
 * removed unless someone else owns them too. Returns the merged object with its managedFields.
 */
export function serverSideApply({ live, applied, manager, force, now }: ApplyInput): JsonObject {
  const entries = readEntries(live);
  let mine = entries.find((e) => e.manager === manager && e.operation === "Apply" && !e.subresource);
  const previous = mine?.fields ?? new FieldSet();
  const desired = leafPaths(applied);
  const others = entries.filter((e) => e !== mine);

  const conflicts = new Map<string, FieldPath[]>();
  const taken: FieldPath[] = [];
  for (const path of desired) {
    const value = getAt(applied, path);
    const current = live && getAt(live, path);
    // Applying the value already there is shared ownership, never a conflict; nor is an empty map
    // over a map (it claims the map, not the fields others set in it).
    if (jsonEqual(current, value) || (isJsonObject(value) && isJsonObject(current))) continue;
    taken.push(path);
    for (const other of others) {
      if (other.fields.overlapping(path).length === 0) continue;
      const list = conflicts.get(other.manager) ?? [];
      list.push(path);
      conflicts.set(other.manager, list);
    }
  }
  if (conflicts.size > 0 && !force) throw conflictError(applied, conflicts);

  const identity = applied.metadata as JsonObject;
  const result: JsonObject = live
    ? structuredClone(live)
    : { apiVersion: applied.apiVersion!, kind: applied.kind!, metadata: { name: identity.name!, ...(identity.namespace ? { namespace: identity.namespace } : {}) } };
  result.apiVersion = applied.apiVersion!;
  for (const path of previous) {
    if (desired.has(path) || others.some((o) => o.fields.overlapping(path).length > 0)) continue;
    deleteAt(result, path);
  }
  for (const path of desired) {
    const value = getAt(applied, path)!;
    // An empty map in the configuration claims the map, not the fields others set in it.
    if (isJsonObject(value) && isJsonObject(getAt(result, path))) continue;
    setAt(result, path, value);
  }

  for (const other of others) for (const path of taken) for (const owned of other.fields.overlapping(path)) other.fields.delete(owned);
  if (!mine) {
    mine = { manager, operation: "Apply", apiVersion: String(applied.apiVersion), subresource: "", time: now, fields: desired };
    entries.push(mine);
  }
  mine.fields = desired;
  writeEntries(result, entries, now);
  return result;
}

export interface UpdateInput {
  readonly before: JsonObject | undefined;
  readonly after: JsonObject;
  readonly manager: string;
  /** "" for the main resource, "status" for the status subresource. */
  readonly subresource: string;
  readonly now: string;
}

/**
 * Records a non-apply write (create, update, patch): the writer owns every field it changed, other
 * managers lose them, and a removed field is owned by no one. Never a conflict.
 */
export function recordUpdate({ before, after, manager, subresource, now }: UpdateInput): JsonObject {
  const entries = readEntries(before);
  const result = structuredClone(after);
  const newLeaves = leafPaths(result);
  const changed = [...newLeaves].filter((path) => !before || !jsonEqual(getAt(before, path), getAt(result, path)));
  const removed = before ? [...leafPaths(before)].filter((path) => getAt(result, path) === undefined) : [];
  for (const entry of entries) {
    for (const path of [...changed, ...removed]) for (const owned of entry.fields.overlapping(path)) entry.fields.delete(owned);
  }
  if (changed.length > 0) {
    let mine = entries.find((e) => e.manager === manager && e.operation === "Update" && e.subresource === subresource);
    if (!mine) {
      mine = { manager, operation: "Update", apiVersion: String(result.apiVersion), subresource, time: now, fields: new FieldSet() };
      entries.push(mine);
    }
    for (const path of changed) mine.fields.add(path);
  }
  writeEntries(result, entries, now);
  return result;
}

function conflictError(applied: JsonObject, conflicts: Map<string, FieldPath[]>): KubeStatusError {
  const apiVersion = String(applied.apiVersion);
  const count = [...conflicts.values()].reduce((n, paths) => n + paths.length, 0);
  const parts = [...conflicts].map(([manager, paths]) =>
    paths.length === 1
      ? `conflict with "${manager}" using ${apiVersion}: ${dotted(paths[0]!)}`
      : `conflicts with "${manager}" using ${apiVersion}:\n${paths.map((p) => `- ${dotted(p)}`).join("\n")}`,
  );
  const metadata = isJsonObject(applied.metadata) ? applied.metadata : {};
  return new KubeStatusError(409, "Conflict", `Apply failed with ${count} conflict${count === 1 ? "" : "s"}: ${parts.join("\n")}`, {
    ...(typeof metadata.name === "string" ? { name: metadata.name } : {}),
    kind: String(applied.kind),
    causes: [...conflicts].flatMap(([manager, paths]) =>
      paths.map((p) => ({ type: "FieldManagerConflict", message: `conflict with "${manager}" using ${apiVersion}`, field: dotted(p) })),
    ),
  });
}
