import type { JsonObject } from "../../model/index.js";

/**
 * What the control plane keeps in Kubernetes mode beside the model's kinds, so that every replica
 * reads and writes the same: the audit log and build logs. They are not resources of the API (no
 * proto, no kind registry entry): additive custom resources in openchoreo.dev that only the server
 * writes, in its own namespace. Written to deploy/crds with the model's CRDs (scripts/write-crds.ts)
 * and checked at start like them.
 */
export interface StorageKind {
  readonly kind: string;
  readonly plural: string;
  /** The REST path of its objects in a namespace. */
  collectionPath(namespace: string): string;
}

const group = "openchoreo.dev";
const version = "v1alpha1";

const storageKind = (kind: string, plural: string): StorageKind => ({
  kind,
  plural,
  collectionPath: (namespace) => `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}`,
});

/** Audit records appended together (one call's, or one write's), each with its id. */
export const auditBatchKind = storageKind("AuditBatch", "auditbatches");
/** One build's log: where it ends, what it holds, what was dropped, whether it is complete. */
export const buildLogKind = storageKind("BuildLog", "buildlogs");
/** Bytes of a build's log at their offset; owned by its BuildLog. */
export const buildLogChunkKind = storageKind("BuildLogChunk", "buildlogchunks");

const string = { type: "string" };
const integer = { type: "integer", format: "int64", minimum: 0 };

const specs: Record<string, { readonly description: string; readonly spec: JsonObject; readonly columns: JsonObject[] }> = {
  [auditBatchKind.kind]: {
    description: "Audit records of the OpenChoreo control plane (written by the server, one object per call or write).",
    spec: {
      type: "object",
      required: ["records"],
      properties: {
        records: {
          type: "array",
          items: {
            type: "object",
            required: ["id", "time"],
            properties: {
              id: integer,
              time: integer,
              subject: string,
              method: string,
              kind: string,
              namespace: string,
              name: string,
              sourceAddress: string,
              requestId: string,
              code: string,
              detail: string,
            },
          },
        },
      },
    },
    columns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }],
  },
  [buildLogKind.kind]: {
    description: "The state of one build's log (written by the OpenChoreo control plane).",
    spec: {
      type: "object",
      required: ["build"],
      properties: { build: string, end: integer, held: integer, dropped: integer, complete: { type: "boolean" } },
    },
    columns: [
      { name: "Build", type: "string", jsonPath: ".spec.build" },
      { name: "Bytes", type: "integer", jsonPath: ".spec.end" },
      { name: "Complete", type: "boolean", jsonPath: ".spec.complete" },
    ],
  },
  [buildLogChunkKind.kind]: {
    description: "Bytes of a build's log at their offset (written by the OpenChoreo control plane).",
    spec: {
      type: "object",
      required: ["build", "offset", "data"],
      properties: { build: string, offset: integer, data: { type: "string", format: "byte" } },
    },
    columns: [
      { name: "Build", type: "string", jsonPath: ".spec.build" },
      { name: "Offset", type: "integer", jsonPath: ".spec.offset" },
    ],
  },
};

export const storageKinds: readonly StorageKind[] = [auditBatchKind, buildLogKind, buildLogChunkKind];

/** The CustomResourceDefinition of a storage kind. */
export function storageCrd(kind: StorageKind): JsonObject {
  const facts = specs[kind.kind]!;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${kind.plural}.${group}` },
    spec: {
      group,
      names: { kind: kind.kind, listKind: `${kind.kind}List`, plural: kind.plural, singular: kind.kind.toLowerCase() },
      scope: "Namespaced",
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: facts.description,
              properties: { apiVersion: string, kind: string, metadata: { type: "object" }, spec: facts.spec },
              required: ["spec"],
            },
          },
          additionalPrinterColumns: facts.columns,
        },
      ],
    },
  };
}
