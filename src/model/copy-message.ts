import { clone, type DescMessage, type Message } from "@bufbuild/protobuf";

/**
 * A deep copy of a message. The store copies every object it takes in and hands out (a watch with
 * 100 watchers copies each event 100 times), and protobuf-es's reflective clone costs about ten
 * times a plain structural copy. Messages of proto3 files, which all our kinds are, are plain
 * objects, so a structural copy is exact; anything else (a prototype carrying proto2 defaults)
 * falls back to clone.
 */
export function copyMessage<T extends Message>(schema: DescMessage, message: T): T {
  const copy = copyPlain(message);
  return copy === notPlain ? (clone(schema, message) as T) : (copy as T);
}

const notPlain = Symbol("notPlain");

function copyPlain(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyPlain(value[i]);
      if (item === notPlain) return notPlain;
      out[i] = item;
    }
    return out;
  }
  if (value instanceof Uint8Array) return value.slice();
  if (Object.getPrototypeOf(value) !== Object.prototype) return notPlain;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyPlain((value as Record<string, unknown>)[key]);
    if (item === notPlain) return notPlain;
    out[key] = item;
  }
  return out;
}
