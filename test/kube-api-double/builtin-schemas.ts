import type { Schema } from "./structural-schema.js";

/**
 * Schemas of the built-in kinds the double knows field by field, written from the Kubernetes API
 * reference for the fields we use: unknown fields are pruned (or refused under Strict), and OpenAPI
 * publishes them for kubectl.
 */

const string: Schema = { type: "string" };
const int32: Schema = { type: "integer", format: "int32" };
const microTime: Schema = { type: "string", format: "date-time" };

/** Wraps a kind's own top-level fields with apiVersion, kind and metadata. */
export const objectSchema = (description: string, properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: "object",
  description,
  properties: { apiVersion: string, kind: string, metadata: { type: "object" }, ...properties },
  ...(required ? { required } : {}),
});

export const leaseSchema = objectSchema("Lease defines a lease concept.", {
  spec: {
    type: "object",
    description: "spec contains the specification of the Lease.",
    properties: {
      holderIdentity: { ...string, description: "holderIdentity contains the identity of the holder of a current lease." },
      leaseDurationSeconds: { ...int32, description: "leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it." },
      acquireTime: { ...microTime, description: "acquireTime is a time when the current lease was acquired." },
      renewTime: { ...microTime, description: "renewTime is a time when the current holder of a lease has last updated the lease." },
      leaseTransitions: { ...int32, description: "leaseTransitions is the number of transitions of a lease between holders." },
      strategy: { ...string, description: "Strategy indicates the strategy for picking the leader for coordinated leader election." },
      preferredHolder: { ...string, description: "PreferredHolder signals to a lease holder that the lease has a more optimal holder." },
    },
  },
});

const stringMap: Schema = { type: "object", additionalProperties: { type: "string" } };

/** ObjectMeta as OpenAPI publishes it (what `kubectl explain <kind>.metadata` shows). */
export const objectMetaSchema: Schema = {
  type: "object",
  description: "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
  properties: {
    name: { ...string, description: "Name must be unique within a namespace." },
    generateName: { ...string, description: "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided." },
    namespace: { ...string, description: "Namespace defines the space within which each name must be unique." },
    labels: { ...stringMap, description: "Map of string keys and values that can be used to organize and categorize (scope and select) objects." },
    annotations: { ...stringMap, description: "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata." },
    finalizers: { type: "array", items: string, "x-kubernetes-list-type": "set", description: "Must be empty before the object is deleted from the registry." },
    ownerReferences: {
      type: "array",
      description: "List of objects depended by this object.",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["uid"],
      items: {
        type: "object",
        required: ["apiVersion", "kind", "name", "uid"],
        properties: { apiVersion: string, kind: string, name: string, uid: string, controller: { type: "boolean" }, blockOwnerDeletion: { type: "boolean" } },
      },
    },
    uid: { ...string, description: "UID is the unique in time and space value for this object." },
    resourceVersion: { ...string, description: "An opaque value that represents the internal version of this object." },
    generation: { type: "integer", format: "int64", description: "A sequence number representing a specific generation of the desired state." },
    creationTimestamp: { ...string, format: "date-time", description: "CreationTimestamp is a timestamp representing the server time when this object was created." },
    deletionTimestamp: { ...string, format: "date-time", description: "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted." },
    deletionGracePeriodSeconds: { type: "integer", format: "int64", description: "Number of seconds allowed for this object to gracefully terminate." },
    managedFields: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, description: "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow." },
  },
};
