import { create } from "@bufbuild/protobuf";
import { ObjectRefSchema, type ObjectRef } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import type { Release } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { canonicalJson, isJsonObject, objectChecksum, type JsonObject } from "../model/index.js";

/** One object a Release wants in its plane, ready for the wire. */
export interface DesiredObject {
  /** spec.resources[].id */
  readonly id: string;
  readonly ref: ObjectRef;
  /** refKey(ref) */
  readonly key: string;
  readonly json: JsonObject;
  /** The canonical JSON the agent receives, so the checksum is that of the bytes sent. */
  readonly manifest: Uint8Array;
  readonly sha256: string;
}

export const refKey = (ref: { apiVersion: string; kind: string; namespace: string; name: string }): string =>
  `${ref.apiVersion}|${ref.kind}|${ref.namespace}|${ref.name}`;

export function objectRef(json: JsonObject): ObjectRef {
  const meta = isJsonObject(json.metadata) ? json.metadata : {};
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return create(ObjectRefSchema, { apiVersion: str(json.apiVersion), kind: str(json.kind), namespace: str(meta.namespace), name: str(meta.name) });
}

const encoder = new TextEncoder();
// A Release's spec changes only with its generation, so its objects are encoded once per uid and
// generation, however many resyncs, acks and status writes (each a new copy of the Release) read
// them. Bounded: the most recent versions, beyond what a burst of releases touches at once.
const computed = new Map<string, DesiredObject[]>();
const maxComputed = 4_096;
// Releases without a uid or generation (not stored yet) by identity.
const unstored = new WeakMap<Release, DesiredObject[]>();

/** The desired objects of a Release, in spec order; resources without an object are skipped. */
export function desiredObjects(release: Release): DesiredObject[] {
  const uid = release.metadata?.uid;
  const generation = release.metadata?.generation;
  const version = uid && generation ? `${uid}#${generation}` : undefined;
  let objects = version ? computed.get(version) : unstored.get(release);
  if (objects) return objects;
  objects = [];
  for (const resource of release.spec?.resources ?? []) {
    if (!resource.object) continue;
    const json = resource.object;
    const ref = objectRef(json);
    const text = canonicalJson(json);
    objects.push({ id: resource.id ?? "", ref, key: refKey(ref), json, manifest: encoder.encode(text), sha256: objectChecksum(json) });
  }
  if (!version) unstored.set(release, objects);
  else {
    computed.set(version, objects);
    if (computed.size > maxComputed) computed.delete(computed.keys().next().value!);
  }
  return objects;
}
