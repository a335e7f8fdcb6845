import { createHash } from "node:crypto";
import type { JsonObject } from "../../src/model/json.js";
import { definitionOf, objectMetaSchema } from "./builtin-schemas.js";
import { isKubernetesGroup, type ResourceCatalog, type ResourceType } from "./resource-catalog.js";
import type { Schema } from "./structural-schema.js";

/**
 * OpenAPI v3 as kube-apiserver publishes it: `/openapi/v3` lists one document per group version, each
 * with the resources' paths (whose PATCH declares `fieldValidation`, which is how kubectl learns to
 * validate on the server) and their schemas tagged with `x-kubernetes-group-version-kind` (how
 * `kubectl explain` finds them).
 */

const objectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** The name kube-apiserver gives a kind's schema: Go package path for built-ins, reversed group for CRDs. */
export function schemaNameOf(type: ResourceType): string {
  if (type.group === "apiextensions.k8s.io") return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${type.version}.${type.kind}`;
  if (isKubernetesGroup(type)) return `io.k8s.api.${type.group === "" ? "core" : type.group.split(".")[0]}.${type.version}.${type.kind}`;
  return `${type.group.split(".").reverse().join(".")}.${type.version}.${type.kind}`;
}

const gvkOf = (type: ResourceType) => ({ group: type.group, version: type.version, kind: type.kind });
const pathPrefix = (type: ResourceType) => (type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`);

/** A schema as published: named types (Container, PodSpec, ...) become components referred to by `$ref`. */
function published(schema: Schema, components: JsonObject, root = false): JsonObject {
  const definition = root ? undefined : definitionOf(schema);
  if (!definition) return publishedBody(schema, components);
  if (!(definition.name in components)) {
    components[definition.name] = {};
    components[definition.name] = publishedBody(definition.schema, components);
  }
  const reference: JsonObject = { default: {}, allOf: [{ $ref: `#/components/schemas/${definition.name}` }] };
  if (schema !== definition.schema && schema.description) reference.description = schema.description;
  return reference;
}

function publishedBody(schema: Schema, components: JsonObject): JsonObject {
  const body = { ...schema } as unknown as JsonObject;
  if (schema.properties) body.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, child]) => [key, published(child, components)]));
  if (schema.items) body.items = published(schema.items, components);
  if (typeof schema.additionalProperties === "object") body.additionalProperties = published(schema.additionalProperties, components);
  return body;
}

/** A kind's published schema: its own (or an open object), metadata pointing at ObjectMeta. */
function publishedSchema(type: ResourceType, components: JsonObject): JsonObject {
  const schema: Schema = type.schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { apiVersion: { type: "string" }, kind: { type: "string" } } };
  const publishedType = published(schema, components, true);
  const properties = (publishedType.properties ?? {}) as JsonObject;
  properties.metadata = { description: "Standard object's metadata.", allOf: [{ $ref: `#/components/schemas/${objectMetaName}` }], default: {} };
  publishedType.properties = properties;
  publishedType["x-kubernetes-group-version-kind"] = [gvkOf(type)];
  return publishedType;
}

const parameter = (name: string, description: string, type = "string"): JsonObject => ({ name, in: "query", description, schema: { type, uniqueItems: true } });
const writeParameters = [
  parameter("dryRun", "When present, indicates that modifications should not be persisted."),
  parameter("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  parameter("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict."),
];

function operations(type: ResourceType): Record<string, JsonObject> {
  const schemaRef = { $ref: `#/components/schemas/${schemaNameOf(type)}` };
  const response = (code: string) => ({ [code]: { description: "OK", content: { "application/json": { schema: schemaRef } } } });
  const op = (action: string, extra: JsonObject): JsonObject => ({ "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvkOf(type), ...extra });
  const body = { content: { "application/json": { schema: schemaRef } }, required: true };
  const patchBody = {
    content: Object.fromEntries(
      ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"].map((t) => [t, { schema: { type: "object" } }]),
    ),
    required: true,
  };
  const scope = type.namespaced ? `${pathPrefix(type)}/namespaces/{namespace}/${type.plural}` : `${pathPrefix(type)}/${type.plural}`;
  const paths: Record<string, JsonObject> = {
    [scope]: {
      get: op("list", { responses: { "200": { description: "OK" } } }),
      post: op("post", { parameters: writeParameters, requestBody: body, responses: response("201") }),
    },
    [`${scope}/{name}`]: {
      get: op("get", { responses: response("200") }),
      put: op("put", { parameters: writeParameters, requestBody: body, responses: response("200") }),
      patch: op("patch", { parameters: [...writeParameters, parameter("force", "Force is going to \"force\" Apply requests.", "boolean")], requestBody: patchBody, responses: response("200") }),
      delete: op("delete", { parameters: [writeParameters[0]!], responses: { "200": { description: "OK" } } }),
    },
  };
  if (type.statusSubresource) {
    paths[`${scope}/{name}/status`] = {
      get: op("get", { responses: response("200") }),
      put: op("put", { parameters: writeParameters, requestBody: body, responses: response("200") }),
      patch: op("patch", { parameters: [...writeParameters, parameter("force", "Force is going to \"force\" Apply requests.", "boolean")], requestBody: patchBody, responses: response("200") }),
    };
  }
  return paths;
}

/** The group versions served, as `/openapi/v3` keys: "api/v1", "apis/apps/v1". */
function groupVersions(catalog: ResourceCatalog): Map<string, ResourceType[]> {
  const byPath = new Map<string, ResourceType[]>();
  for (const type of catalog.types) {
    const key = pathPrefix(type).slice(1);
    byPath.set(key, [...(byPath.get(key) ?? []), type]);
  }
  return byPath;
}

function document(types: readonly ResourceType[]): JsonObject {
  const schemas: JsonObject = {};
  published(objectMetaSchema, schemas);
  const paths: JsonObject = {};
  for (const type of types) {
    schemas[schemaNameOf(type)] = publishedSchema(type, schemas);
    Object.assign(paths, operations(type));
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths, components: { schemas } };
}

const hashOf = (doc: JsonObject) => createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();

/** `/openapi/v3` and `/openapi/v3/<group version>`; undefined for any other path. */
export function openApiResponse(catalog: ResourceCatalog, segments: readonly string[]): JsonObject | undefined {
  if (segments[0] !== "openapi" || segments[1] !== "v3") return undefined;
  const versions = groupVersions(catalog);
  if (segments.length === 2) {
    return {
      paths: Object.fromEntries([...versions].map(([key, types]) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(document(types))}` }])),
    };
  }
  const types = versions.get(segments.slice(2).join("/"));
  return types ? document(types) : undefined;
}

