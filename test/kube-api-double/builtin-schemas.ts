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
