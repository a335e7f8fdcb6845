import { isJsonObject, type JsonObject } from "../model/json.js";
import type { PlaneObjectRef } from "./driver.js";

/** A map key for a ref; "|" cannot appear in Kubernetes names, kinds or API versions. */
export function refKey(ref: PlaneObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace}|${ref.name}`;
}

export function formatRef(ref: PlaneObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name} (${ref.apiVersion})`;
}

export function isNamespace(ref: PlaneObjectRef): boolean {
  return ref.apiVersion === "v1" && ref.kind === "Namespace";
}

// DNS-1123 subdomain for names and namespaces; they become path segments in the local driver, so the
// check also keeps "..", "/" and the like out of the file system.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const kindPattern = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const apiVersionPattern = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?v[0-9]+[a-z0-9]*$/;

/** The identity of a manifest, or an error message naming the field that is missing or malformed. */
export function refOfManifest(manifest: unknown): PlaneObjectRef | string {
  if (!isJsonObject(manifest)) return "manifest: not a JSON object";
  const { apiVersion, kind, metadata } = manifest;
  if (typeof apiVersion !== "string" || !apiVersionPattern.test(apiVersion)) return `apiVersion: ${JSON.stringify(apiVersion ?? null)} is not an API version`;
  if (typeof kind !== "string" || !kindPattern.test(kind)) return `kind: ${JSON.stringify(kind ?? null)} is not a kind`;
  if (!isJsonObject(metadata)) return "metadata: missing";
  const { name, namespace } = metadata;
  if (typeof name !== "string" || !dnsSubdomain.test(name) || name.includes("..")) return `metadata.name: ${JSON.stringify(name ?? null)} is not a valid name`;
  if (namespace !== undefined && namespace !== "" && (typeof namespace !== "string" || !dnsSubdomain.test(namespace) || namespace.includes(".."))) {
    return `metadata.namespace: ${JSON.stringify(namespace)} is not a valid namespace`;
  }
  return { apiVersion, kind, namespace: typeof namespace === "string" ? namespace : "", name };
}

/** Parses ReleaseObject.manifest bytes; an error message when they are not a JSON object. */
export function parseManifest(bytes: Uint8Array): JsonObject | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    return `manifest: not UTF-8 JSON (${(err as Error).message})`;
  }
  return isJsonObject(parsed) ? parsed : "manifest: not a JSON object";
}
