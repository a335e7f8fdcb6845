import { BinaryReader } from "@bufbuild/protobuf/wire";
import type { JsonObject, JsonValue } from "../../src/model/json.js";
import { badRequest, unsupportedMediaType } from "./kube-status.js";
import { apiVersionOf, type ResourceType } from "./resource-catalog.js";

/**
 * Request bodies in `application/vnd.kubernetes.protobuf`, which kubectl's typed clients send for
 * built-in kinds (`kubectl create namespace|configmap|secret`): the magic `k8s\0`, then a
 * runtime.Unknown whose `raw` is the object's message. client-go falls back to JSON after a 415 only
 * for CBOR, so kube-apiserver must read these. Field numbers are those of k8s.io/api's
 * generated.proto for the kinds decoded here; any other kind answers 415 as a custom resource does.
 */

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Scalar = "string" | "bytes" | "bool" | "int64" | "int32" | "time";
interface Field {
  readonly name: string;
  readonly type: Scalar | MessageType;
  readonly repeated?: boolean;
  /** A map<string, value>: each entry a message of key (1) and value (2). */
  readonly mapOf?: "string" | "bytes";
}
type MessageType = Readonly<Record<number, Field>>;

const ownerReference: MessageType = {
  1: { name: "kind", type: "string" },
  3: { name: "name", type: "string" },
  4: { name: "uid", type: "string" },
  5: { name: "apiVersion", type: "string" },
  6: { name: "controller", type: "bool" },
  7: { name: "blockOwnerDeletion", type: "bool" },
};

const objectMeta: MessageType = {
  1: { name: "name", type: "string" },
  2: { name: "generateName", type: "string" },
  3: { name: "namespace", type: "string" },
  5: { name: "uid", type: "string" },
  6: { name: "resourceVersion", type: "string" },
  7: { name: "generation", type: "int64" },
  8: { name: "creationTimestamp", type: "time" },
  11: { name: "labels", type: "string", mapOf: "string" },
  12: { name: "annotations", type: "string", mapOf: "string" },
  13: { name: "ownerReferences", type: ownerReference, repeated: true },
  14: { name: "finalizers", type: "string", repeated: true },
};

const kinds: Readonly<Record<string, MessageType>> = {
  "v1/Namespace": {
    1: { name: "metadata", type: objectMeta },
    2: { name: "spec", type: { 1: { name: "finalizers", type: "string", repeated: true } } },
    3: { name: "status", type: { 1: { name: "phase", type: "string" } } },
  },
  "v1/ConfigMap": {
    1: { name: "metadata", type: objectMeta },
    2: { name: "data", type: "string", mapOf: "string" },
    3: { name: "binaryData", type: "bytes", mapOf: "bytes" },
    4: { name: "immutable", type: "bool" },
  },
  "v1/Secret": {
    1: { name: "metadata", type: objectMeta },
    2: { name: "data", type: "bytes", mapOf: "bytes" },
    3: { name: "type", type: "string" },
    4: { name: "stringData", type: "string", mapOf: "string" },
    5: { name: "immutable", type: "bool" },
  },
};

function scalar(reader: BinaryReader, type: Scalar | "bytes"): JsonValue {
  switch (type) {
    case "string":
      return reader.string();
    case "bytes":
      // JSON carries bytes as base64, as the API server writes them.
      return Buffer.from(reader.bytes()).toString("base64");
    case "bool":
      return reader.bool();
    case "int64":
      return Number(reader.int64());
    case "int32":
      return reader.int32();
    case "time": {
      const time = decode(reader.bytes(), { 1: { name: "seconds", type: "int64" }, 2: { name: "nanos", type: "int32" } });
      return new Date(Number(time.seconds ?? 0) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    }
  }
}

function decode(bytes: Uint8Array, message: MessageType): JsonObject {
  const reader = new BinaryReader(bytes);
  const out: JsonObject = {};
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    const field = message[number];
    if (!field) {
      reader.skip(wireType, number);
      continue;
    }
    if (field.mapOf) {
      const entry = decode(reader.bytes(), { 1: { name: "key", type: "string" }, 2: { name: "value", type: field.mapOf } });
      const map = ((out[field.name] as JsonObject | undefined) ??= {});
      map[String(entry.key ?? "")] = entry.value ?? "";
      continue;
    }
    const value = typeof field.type === "object" ? decode(reader.bytes(), field.type) : scalar(reader, field.type);
    if (field.repeated) ((out[field.name] as JsonValue[] | undefined) ??= []).push(value);
    else out[field.name] = value;
  }
  return out;
}

/** The JSON object a protobuf request body holds, for the resource the request is for. */
export function decodeProtobufBody(body: Buffer, resource: ResourceType): JsonObject {
  const message = kinds[`${apiVersionOf(resource)}/${resource.kind}`];
  if (!message) throw unsupportedMediaType();
  if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic)) throw badRequest("the protobuf body does not start with the Kubernetes magic number");
  const unknown = decode(body.subarray(magic.length), {
    1: { name: "typeMeta", type: { 1: { name: "apiVersion", type: "string" }, 2: { name: "kind", type: "string" } } },
    2: { name: "raw", type: "bytes" },
  });
  const typeMeta = (unknown.typeMeta ?? {}) as JsonObject;
  const object = decode(Buffer.from(String(unknown.raw ?? ""), "base64"), message);
  return { ...(typeMeta.apiVersion ? { apiVersion: typeMeta.apiVersion } : {}), ...(typeMeta.kind ? { kind: typeMeta.kind } : {}), ...object };
}
