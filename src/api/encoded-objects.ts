import { create, toBinary, type DescField, type DescMessage, type Message, type UnknownField } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { deepFreeze } from "../core/index.js";
import { redactSecrets, type Codec, type JsonObject, type KindInfo } from "../model/index.js";
import type { ObjectKey, ResourceObject, ResourceStore, WatchEventType } from "../store/index.js";
import type { AccessWatchOptions } from "./resource-access.js";
import { storeWatchOptions } from "./store-query-options.js";
import { kindStorageKey } from "../store/store-backend.js";

/**
 * One version of one object as the API answers with it (secrets redacted, as ResourceAccess reads
 * it), each encoding built once and then shared by every Get, List page and watch stream that
 * carries this version.
 */
export interface EncodedObject {
  /** The Kubernetes JSON form, redacted and frozen. */
  readonly json: JsonObject;
  /** The typed message of the redacted JSON (shared: read it, never change it). */
  message(): Message;
  /**
   * The object as the value of one field of a response (a typed message, or a google.protobuf.Struct
   * of its JSON), encoded: an unknown field that toBinary copies as it is (see preEncoded).
   */
  field(field: DescField): UnknownField;
}

export interface EncodedObjects {
  /**
   * What ResourceAccess.get answers, encoded: from the cache while no commit has touched the object
   * (with a store that reports its commits), else read from the store. Throws as the store does.
   */
  get(kind: KindInfo, key: ObjectKey): Promise<EncodedObject>;
  /** A stored object (a List item, a watch event's) by its version; `deleted` for a DELETED event's. */
  of(kind: KindInfo, object: ResourceObject, deleted?: boolean): EncodedObject;
}

// Versions kept (least recently used go first). A version costs 3.4 to 5 KiB (its redacted JSON, its
// message and encodings; measured at 1,000 components, bench/memory.ts), so 1,024 hold about 5 MiB
// whatever the number of objects: enough for the versions a burst of watch events and Gets share,
// not a copy of the store (4,096 held 13.5 MiB once a thousand components had settled).
const maxVersions = 1024;
// Objects whose current version Get remembers.
const maxCurrent = 1024;

/**
 * The encoded-objects cache. A version is immutable (its uid and resourceVersion name one content),
 * so encodings are keyed by version; which version is current is learnt from the store's commit feed
 * (ResourceStore.onCommit), which forgets an object synchronously as a commit changes it.
 */
export function createEncodedObjects(deps: { readonly store: ResourceStore; readonly codec: Codec }): EncodedObjects {
  const { store, codec } = deps;
  const versions = new Map<string, EncodedObject>();
  // "kind/namespace/name" → the version a Get found, or a pending read (entry undefined) that a
  // commit in the meantime removes, so the read's result is not remembered as current.
  const current = new Map<string, { entry: EncodedObject | undefined }>();
  const slotKey = (storageKey: string, namespace: string, name: string) => `${storageKey}/${namespace}/${name}`;
  const tracksCommits = store.onCommit !== undefined;
  store.onCommit?.((changes) => {
    for (const change of changes) current.delete(slotKey(change.kind, change.namespace, change.name));
  });

  const encode = (kind: KindInfo, object: ResourceObject): EncodedObject => {
    const json = deepFreeze(redactSecrets(kind.schema, codec.encode(object)));
    let typed: Message | undefined;
    const fields = new Map<DescField, UnknownField>();
    const message = () => (typed ??= codec.decodeAs(kind.schema, json));
    return {
      json,
      message,
      field(field) {
        let encoded = fields.get(field);
        if (!encoded) {
          const value = field.message?.typeName === StructSchema.typeName ? json : message();
          fields.set(field, (encoded = encodeField(field, value)));
        }
        return encoded;
      },
    };
  };

  const of = (kind: KindInfo, object: ResourceObject, deleted = false): EncodedObject => {
    const meta = object.metadata;
    if (!meta?.uid || !meta.resourceVersion) return encode(kind, object);
    const key = `${meta.uid}/${meta.resourceVersion}${deleted ? "/deleted" : ""}`;
    let entry = versions.get(key);
    if (entry) {
      versions.delete(key);
    } else {
      entry = encode(kind, object);
      if (versions.size >= maxVersions) versions.delete(versions.keys().next().value!);
    }
    versions.set(key, entry);
    return entry;
  };

  return {
    of,
    async get(kind, key) {
      const k = { namespace: kind.namespaced ? key.namespace || "default" : "", name: key.name };
      if (!tracksCommits) return of(kind, (await store.get(kind.schema, k)) as ResourceObject);
      const slot = slotKey(kindStorageKey(kind), k.namespace, k.name);
      const known = current.get(slot);
      if (known?.entry) return known.entry;
      const pending = { entry: undefined as EncodedObject | undefined };
      current.set(slot, pending);
      let entry: EncodedObject;
      try {
        entry = of(kind, (await store.get(kind.schema, k)) as ResourceObject);
      } catch (err) {
        if (current.get(slot) === pending) current.delete(slot);
        throw err;
      }
      if (current.get(slot) === pending) {
        pending.entry = entry;
        if (current.size > maxCurrent) current.delete(current.keys().next().value!);
      }
      return entry;
    },
  };
}

export interface EncodedWatchEvent {
  readonly type: WatchEventType;
  readonly object: EncodedObject | undefined;
  readonly resourceVersion: string;
}

/**
 * ResourceAccess.watch with each event's object encoded once per version: the streams watching one
 * kind share the redacted JSON and every encoding of each change instead of building their own.
 */
export async function* watchEncoded(store: ResourceStore, encoded: EncodedObjects, kind: KindInfo, options: AccessWatchOptions): AsyncGenerator<EncodedWatchEvent> {
  const events = store.watch(kind.schema, storeWatchOptions(kind, options));
  for await (const event of events) {
    const object = event.object && encoded.of(kind, event.object as ResourceObject, event.type === "DELETED");
    yield { type: event.type, object, resourceVersion: event.resourceVersion };
  }
}

/**
 * Whether a call's messages travel as protobuf binary (gRPC, gRPC-Web, Connect with +proto), where a
 * message may carry pre-encoded fields; JSON clients need the fields themselves.
 */
export const speaksBinary = (contentType: string | null): boolean => !/json/i.test(contentType ?? "");

/** One field of `field.parent` holding `value`, encoded as protobuf-es would write it, without its tag. */
export function encodeField(field: DescField, value: unknown): UnknownField {
  const init = field.oneof ? { [field.oneof.localName]: { case: field.localName, value } } : { [field.localName]: field.fieldKind === "list" ? [value] : value };
  const bytes = toBinary(field.parent, create(field.parent, init as never));
  return { no: field.number, wireType: WireType.LengthDelimited, data: bytes.subarray(varintLength((field.number << 3) | WireType.LengthDelimited)) };
}

/**
 * A message of `schema` whose fields arrive already encoded: toBinary writes unknown fields as they
 * are, so a response built from cached fields costs a copy of their bytes. Binary only: JSON
 * ignores unknown fields.
 */
export function preEncoded<D extends DescMessage>(schema: D, fields: UnknownField[]): Message {
  const message = create(schema) as Message;
  message.$unknown = fields;
  return message;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value >>>= 7;
    length++;
  }
  return length;
}
