import { equals, type DescMessage, type Message } from "@bufbuild/protobuf";

/**
 * Whether two messages of a schema are equal. Our messages (proto3) are plain objects, and
 * protobuf-es's reflective equals costs many times a structural comparison, most of all on
 * google.protobuf.Struct fields (a Release's manifests): compared as they are, with a field set to
 * undefined the same as one absent. Anything else (a prototype carrying proto2 defaults) falls back
 * to equals. Two messages that differ only in how an unset field is spelled ("" or absent) may be
 * found different: callers use it to skip writes, where "different" costs a write, never a change.
 */
export function messageEquals<T extends Message>(schema: DescMessage, a: T, b: T): boolean {
  const same = plainEquals(a, b);
  return same === notPlain ? equals(schema, a, b) : same;
}

const notPlain = Symbol("notPlain");

function plainEquals(a: unknown, b: unknown): boolean | typeof notPlain {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const same = plainEquals(a[i], b[i]);
      if (same !== true) return same;
    }
    return true;
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    return a.every((byte, i) => byte === b[i]);
  }
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return notPlain;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let defined = 0;
  for (const key in left) {
    if (left[key] === undefined) continue;
    defined++;
    const same = plainEquals(left[key], right[key]);
    if (same !== true) return same;
  }
  for (const key in right) if (right[key] !== undefined) defined--;
  return defined === 0;
}
