import { create } from "@bufbuild/protobuf";
import { OwnerReferenceSchema, type OwnerReference } from "../../gen/openchoreo/meta/v1alpha1/object_meta_pb.js";
import type { ResourceObject } from "../store/index.js";

/** An owner reference to an object; `controller` marks the one owner whose controller manages it. */
export function ownerReferenceTo(owner: ResourceObject, controller: boolean): OwnerReference {
  return create(OwnerReferenceSchema, {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata?.name ?? "",
    uid: owner.metadata?.uid ?? "",
    ...(controller ? { controller: true } : {}),
  });
}

/**
 * Gives an object (in place) the labels it lacks and, when an owner is given, an owner reference to
 * it, so selectors find the object and deleting the owner removes it. True when anything changed.
 */
export function adopt(object: ResourceObject, wanted: Record<string, string>, owner?: { readonly object: ResourceObject; readonly controller: boolean }): boolean {
  const meta = object.metadata;
  if (!meta) return false;
  let changed = Object.entries(wanted).some(([k, v]) => meta.labels[k] !== v);
  meta.labels = { ...meta.labels, ...wanted };
  const uid = owner?.object.metadata?.uid;
  if (owner && uid && !meta.ownerReferences.some((r) => r.uid === uid)) {
    meta.ownerReferences = [...meta.ownerReferences, ownerReferenceTo(owner.object, owner.controller)];
    changed = true;
  }
  return changed;
}
