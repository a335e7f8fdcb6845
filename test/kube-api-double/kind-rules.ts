import type { JsonObject } from "../../src/model/json.js";
import { crdCauses, crdCleanupFinalizer } from "./crd-controller.js";
import type { StatusCause } from "./kube-status.js";
import { apiVersionOf, type ResourceType } from "./resource-catalog.js";

const kindOf = (resource: ResourceType) => `${apiVersionOf(resource)}/${resource.kind}`;

/** What a kind's registry sets on a write before validation, as kube-apiserver's strategies do. */
export function prepareObject(resource: ResourceType, object: JsonObject, before: JsonObject | undefined): void {
  const metadata = object.metadata as JsonObject;
  if (kindOf(resource) === "apiextensions.k8s.io/v1/CustomResourceDefinition" && !before) {
    const finalizers = (metadata.finalizers as string[] | undefined) ?? [];
    if (!finalizers.includes(crdCleanupFinalizer)) metadata.finalizers = [...finalizers, crdCleanupFinalizer];
  }
}

/** A kind's own validation, beyond names and its schema. */
export function kindCauses(resource: ResourceType, object: JsonObject, _before: JsonObject | undefined): StatusCause[] {
  switch (kindOf(resource)) {
    case "apiextensions.k8s.io/v1/CustomResourceDefinition":
      return crdCauses(object);
    case "coordination.k8s.io/v1/Lease":
      return leaseCauses(object);
    default:
      return [];
  }
}

/** ValidateLeaseSpec: a duration must be positive, transitions never negative. */
function leaseCauses(lease: JsonObject): StatusCause[] {
  const spec = (lease.spec ?? {}) as { leaseDurationSeconds?: number; leaseTransitions?: number };
  const causes: StatusCause[] = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    causes.push({ type: "FieldValueInvalid", field: "spec.leaseDurationSeconds", message: `Invalid value: ${spec.leaseDurationSeconds}: must be greater than 0` });
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    causes.push({ type: "FieldValueInvalid", field: "spec.leaseTransitions", message: `Invalid value: ${spec.leaseTransitions}: must be greater than or equal to 0` });
  }
  return causes;
}
