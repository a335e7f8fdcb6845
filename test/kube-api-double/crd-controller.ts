import { isJsonObject, jsonEqual, type JsonObject } from "../../src/model/json.js";
import { parseLabelSelector } from "../../src/model/label-selector.js";
import type { StatusCause } from "./kube-status.js";
import type { ObjectStore } from "./object-store.js";
import { storageKeyOf, type PrinterColumn, type ResourceCatalog, type ResourceType } from "./resource-catalog.js";
import type { Schema } from "./structural-schema.js";
import type { WatchHub } from "./watch-hub.js";

/** The finalizer kube-apiserver puts on every CRD: its custom resources go before it does. */
export const crdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { kind?: string; plural?: string; singular?: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions?: {
    name?: string;
    served?: boolean;
    storage?: boolean;
    schema?: { openAPIV3Schema?: Schema };
    subresources?: { status?: JsonObject; scale?: JsonObject };
    additionalPrinterColumns?: PrinterColumn[];
  }[];
}

const specOf = (crd: JsonObject) => (crd.spec ?? {}) as CrdSpec;
const nameOf = (crd: JsonObject) => String((crd.metadata as JsonObject).name);
const everything = parseLabelSelector(undefined);
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** What apiextensions' validation refuses in a CRD, with its field paths. */
export function crdCauses(crd: JsonObject): StatusCause[] {
  const spec = specOf(crd);
  const causes: StatusCause[] = [];
  const required = (field: string) => causes.push({ type: "FieldValueRequired", field, message: "Required value" });
  if (!spec.group) required("spec.group");
  if (!spec.names?.plural) required("spec.names.plural");
  if (!spec.names?.kind) required("spec.names.kind");
  if (spec.names?.plural && !dns1035Label.test(spec.names.plural)) {
    causes.push({ type: "FieldValueInvalid", field: "spec.names.plural", message: `Invalid value: "${spec.names.plural}": a DNS-1035 label must consist of lower case alphanumeric characters or '-'` });
  }
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    causes.push({ type: "FieldValueNotSupported", field: "spec.scope", message: `Unsupported value: "${spec.scope ?? ""}": supported values: "Cluster", "Namespaced"` });
  }
  const name = nameOf(crd);
  if (spec.group && spec.names?.plural && name !== `${spec.names.plural}.${spec.group}`) {
    causes.push({ type: "FieldValueInvalid", field: "metadata.name", message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group` });
  }
  const versions = spec.versions ?? [];
  if (versions.length === 0) causes.push({ type: "FieldValueInvalid", field: "spec.versions", message: "Invalid value: null: must have exactly one version marked as storage version" });
  else if (versions.filter((v) => v.storage).length !== 1) {
    causes.push({ type: "FieldValueInvalid", field: "spec.versions", message: `Invalid value: ${JSON.stringify(versions)}: must have exactly one version marked as storage version` });
  }
  versions.forEach((version, i) => {
    if (!version.name) required(`spec.versions[${i}].name`);
    const schema = version.schema?.openAPIV3Schema;
    if (!schema) causes.push({ type: "FieldValueRequired", field: `spec.versions[${i}].schema.openAPIV3Schema`, message: "Required value: schemas are required" });
    else if (schema.type !== "object") {
      causes.push({ type: "FieldValueRequired", field: `spec.versions[${i}].schema.openAPIV3Schema.type`, message: "Required value: must not be empty at the root" });
    }
  });
  return causes;
}

/** The REST resources one CRD defines: one per served version. */
export function typesOfCrd(crd: JsonObject): ResourceType[] {
  const spec = specOf(crd);
  const names = spec.names ?? {};
  return (spec.versions ?? [])
    .filter((v) => v.served !== false && v.name)
    .map((v) => ({
      group: spec.group!,
      version: v.name!,
      kind: names.kind!,
      plural: names.plural!,
      namespaced: spec.scope === "Namespaced",
      statusSubresource: v.subresources?.status !== undefined,
      singular: names.singular ?? names.kind!.toLowerCase(),
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      ...(names.categories ? { categories: names.categories } : {}),
      ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}),
      ...(v.additionalPrinterColumns ? { printerColumns: v.additionalPrinterColumns } : {}),
      definedBy: nameOf(crd),
    }));
}

export interface CrdController {
  stop(): void;
}

/**
 * What the apiextensions-apiserver does with a CRD: serves its custom resources as soon as it is
 * stored, reports NamesAccepted and Established in its status, and on deletion deletes every custom
 * resource before releasing its cleanup finalizer.
 */
export function createCrdController(catalog: ResourceCatalog, store: ObjectStore, hub: WatchHub, crdType: ResourceType, now: () => Date): CrdController {
  const timestamp = () => now().toISOString().replace(/\.\d+Z$/, "Z");
  const pending = new Set<string>();

  /** Status and cleanup are written after the write that caused them, as a controller would. */
  function reconcile(name: string): void {
    pending.delete(name);
    const crd = store.find(crdType, "", name);
    if (!crd) return;
    const metadata = crd.metadata as JsonObject;
    if (metadata.deletionTimestamp !== undefined) {
      for (const type of typesOfCrd(crd).slice(0, 1)) {
        for (const object of store.list(type, undefined, everything).items) {
          const m = object.metadata as { namespace?: string; name: string };
          store.delete(type, m.namespace ?? "", m.name);
        }
      }
      catalog.define(name, []);
      const finalizers = ((metadata.finalizers as string[] | undefined) ?? []).filter((f) => f !== crdCleanupFinalizer);
      store.update(crdType, "", name, { ...crd, metadata: { ...metadata, finalizers } }, "kube-apiserver", "");
      return;
    }
    const spec = specOf(crd);
    const condition = (type: string, reason: string, message: string) => ({ type, status: "True", reason, message, lastTransitionTime: timestamp() });
    const acceptedNames = { ...spec.names, listKind: spec.names?.listKind ?? `${spec.names?.kind}List`, singular: spec.names?.singular ?? spec.names?.kind?.toLowerCase() };
    const status = crd.status as { acceptedNames?: JsonObject; conditions?: JsonObject[] } | undefined;
    if (jsonEqual(status?.acceptedNames, acceptedNames) && status?.conditions?.length === 2) return;
    store.update(
      crdType,
      "",
      name,
      {
        ...crd,
        status: {
          conditions: [condition("NamesAccepted", "NoConflicts", "no conflicts found"), condition("Established", "InitialNamesAccepted", "the initial names have been accepted")],
          acceptedNames,
          storedVersions: (spec.versions ?? []).filter((v) => v.storage).map((v) => v.name!),
        } as JsonObject,
      },
      "kube-apiserver",
      "status",
    );
  }

  const stop = hub.listen((event) => {
    if (storageKeyOf(event.resource) !== storageKeyOf(crdType)) return;
    const crd = event.object;
    const name = nameOf(crd);
    if (event.type === "DELETED") {
      catalog.define(name, []);
      return;
    }
    // Served at once, so a custom resource can follow its CRD in the next request.
    if (!isJsonObject(crd.metadata) || crd.metadata.deletionTimestamp === undefined) catalog.define(name, typesOfCrd(crd));
    if (pending.has(name)) return;
    pending.add(name);
    queueMicrotask(() => reconcile(name));
  });
  return { stop };
}

