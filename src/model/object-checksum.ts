import { createHash } from "node:crypto";
import type { JsonValue } from "./json.js";

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation: object members sorted by their names'
 * UTF-16 code units, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them
 * (which is what the RFC specifies). The agent and the control plane must agree byte for byte.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`canonical JSON has no form for ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  // Default sort compares UTF-16 code units, exactly as RFC 8785 section 3.2.3 asks.
  const names = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${names.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(",")}}`;
}

/** The checksum PlaneAgentService defines for an object: hex sha256 of its canonical JSON. */
export function objectChecksum(manifest: JsonValue): string {
  return createHash("sha256").update(canonicalJson(manifest), "utf8").digest("hex");
}
