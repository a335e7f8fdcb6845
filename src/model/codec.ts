import { fromJson, toJson, type DescMessage, type Message, type MessageShape } from "@bufbuild/protobuf";
import { DurationSchema, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { yaml } from "./lazy-yaml.js";
import { InvalidSpecError } from "../errors/index.js";
import { isJsonObject, type JsonObject } from "./json.js";
import type { KindInfo, KindRegistry } from "./kind-registry.js";
import { walkJson } from "./walk-json.js";

/** A decoded object and the kind it belongs to. */
export interface KindObject {
  readonly kind: KindInfo;
  readonly message: Message;
}

/**
 * The one converter between resource messages and their Kubernetes JSON/YAML form, used by the API,
 * the CLI, the agents and the Kubernetes store. Field names, string enums, presence of false/0/""
 * and int-or-string values survive the round trip; empty lists and maps read back as absent.
 */
export interface Codec {
  readonly registry: KindRegistry;
  /** The kind a manifest declares; InvalidSpecError naming apiVersion or kind when unknown. */
  kindOf(json: unknown): KindInfo;
  /** Kubernetes JSON to message. InvalidSpecError names every unknown or mistyped field. */
  decode(json: unknown): KindObject;
  /** Kubernetes JSON to a message of a known schema, checked the same way. */
  decodeAs<Desc extends DescMessage>(schema: Desc, json: unknown): MessageShape<Desc>;
  /** Message to Kubernetes JSON, with apiVersion and kind always set. */
  encode(message: Message): JsonObject;
  /**
   * JSON.stringify(encode(message)), with the text of the message's spec made once per spec
   * object: for stored messages, which are never changed and share their spec across versions
   * until it changes (a Release's status writes re-encoded all its manifests each time).
   */
  encodeText(message: Message): string;
  /** Parses YAML or JSON text of one or more documents; the items of a List are flattened. */
  parseManifests(text: string): JsonObject[];
  /** Kubernetes-style YAML, documents separated by "---". */
  toYaml(docs: JsonObject | readonly JsonObject[]): string;
}

export function createCodec(registry: KindRegistry): Codec {
  const kindOf = (json: unknown): KindInfo => {
    if (!isJsonObject(json)) throw new InvalidSpecError([{ path: "", message: "must be an object" }]);
    const { apiVersion, kind } = json;
    if (typeof apiVersion !== "string" || !apiVersion) {
      throw new InvalidSpecError([{ path: "apiVersion", message: "required" }]);
    }
    if (typeof kind !== "string" || !kind) throw new InvalidSpecError([{ path: "kind", message: "required" }]);
    const info = registry.lookup(apiVersion, kind);
    if (!info) {
      const known = registry.resolve(kind);
      throw new InvalidSpecError([
        known
          ? { path: "apiVersion", message: `must be ${known.apiVersion} for kind ${kind}` }
          : { path: "kind", message: `unknown kind "${kind}" in ${apiVersion}` },
      ]);
    }
    return info;
  };

  const decodeAs = <Desc extends DescMessage>(schema: Desc, json: unknown): MessageShape<Desc> => {
    const violations = walkJson(schema, json, "");
    if (violations.length > 0) throw new InvalidSpecError(violations);
    return fromJson(schema, json as JsonObject, { ignoreUnknownFields: false });
  };

  const specTexts = new WeakMap<object, string>();
  const encode = (message: Message): JsonObject => {
    const kind = registry.bySchema(message.$typeName);
    if (!kind) throw new Error(`${message.$typeName} is not a resource kind`);
    let json: JsonObject;
    try {
      json = toJson(kind.schema, message) as JsonObject;
    } catch (err) {
      // A message from a client (a typed Create or Update) may hold values with no JSON form, such
      // as a Timestamp past year 9999: the caller's mistake, not a bug.
      throw new InvalidSpecError([{ path: unencodablePath(message) ?? "", message: (err as Error).message }]);
    }
    return { apiVersion: kind.apiVersion, kind: kind.kind, ...json };
  };

  return {
    registry,
    kindOf,
    decodeAs,
    encode,
    encodeText(message) {
      const kind = registry.bySchema(message.$typeName);
      const spec = (message as { spec?: Message }).spec;
      const field = kind?.schema.fields.find((f) => f.localName === "spec");
      if (!kind || !spec || field?.fieldKind !== "message") return JSON.stringify(encode(message));
      let specText = specTexts.get(spec);
      if (specText === undefined) {
        // Encoded as the whole message would encode it (errors included), and kept.
        const json = encode(message);
        specText = JSON.stringify(json.spec);
        specTexts.set(spec, specText);
        return JSON.stringify(json);
      }
      // The rest in the whole message's key order, spec's text spliced in where it belongs.
      const rest = encode({ ...message, spec: undefined } as Message);
      const keys = Object.keys(rest);
      // apiVersion and kind lead; the fields follow in the schema's order.
      const position = new Map(kind.schema.fields.map((f, i) => [f.jsonName, i]));
      const specPosition = position.get(field.jsonName)!;
      let at = keys.findIndex((key, i) => i >= 2 && (position.get(key) ?? -1) > specPosition);
      if (at < 0) at = keys.length;
      const entries = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(rest[key])}`);
      entries.splice(at, 0, `${JSON.stringify(field.jsonName)}:${specText}`);
      return `{${entries.join(",")}}`;
    },
    decode(json) {
      const kind = kindOf(json);
      return { kind, message: decodeAs(kind.schema, json) };
    },
    parseManifests(text) {
      const docs: JsonObject[] = [];
      yaml().parseAllDocuments(text).forEach((doc, index) => {
        if ("errors" in doc && doc.errors.length > 0) {
          const err = doc.errors[0]!;
          const line = err.linePos?.[0]?.line;
          throw new InvalidSpecError([
            { path: `document ${index + 1}`, message: `not valid YAML or JSON${line ? ` (line ${line})` : ""}: ${err.message.split("\n")[0]}` },
          ]);
        }
        let value: unknown;
        try {
          value = doc.toJS();
        } catch (err) {
          // The yaml library refuses aliases that expand too far (billion laughs) with a ReferenceError.
          throw new InvalidSpecError([{ path: `document ${index + 1}`, message: `cannot be read: ${(err as Error).message}` }]);
        }
        if (value === null || value === undefined) return;
        if (!isJsonObject(value)) {
          throw new InvalidSpecError([{ path: `document ${index + 1}`, message: "must be an object" }]);
        }
        if (typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)) {
          value.items.forEach((item, i) => {
            if (!isJsonObject(item)) {
              throw new InvalidSpecError([{ path: `document ${index + 1}: items[${i}]`, message: "must be an object" }]);
            }
            docs.push(item);
          });
          return;
        }
        docs.push(value);
      });
      return docs;
    },
    toYaml(docs) {
      const list = Array.isArray(docs) ? docs : [docs];
      return list.map((d) => yaml().stringify(d, { lineWidth: 0 })).join("---\n");
    },
  };
}

const wellKnownWithLimits = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration"]);

/** The path of the first Timestamp or Duration in a message that has no JSON form. */
function unencodablePath(value: unknown, path = ""): string | undefined {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return undefined;
  const typeName = (value as { $typeName?: string }).$typeName;
  if (typeName !== undefined && wellKnownWithLimits.has(typeName)) {
    try {
      toJson(typeName === "google.protobuf.Timestamp" ? TimestampSchema : DurationSchema, value as never);
      return undefined;
    } catch {
      return path;
    }
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === "$typeName" || key === "$unknown") continue;
    const found = unencodablePath(child, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}
