/**
 * Freezes an object and everything it holds, as deepFreeze does, and shares on the way what cached
 * objects repeat, so that ten thousand cached objects hold it once instead of ten thousand times:
 *
 * - every empty list and empty map (a decoded message carries one for each unset repeated or map
 *   field: finalizers, ownerReferences, labels, annotations...) becomes one frozen empty instance;
 * - google.protobuf.Timestamp messages with the same time are one frozen message: the conditions a
 *   reconcile writes all carry the time of that reconcile.
 *
 * Measured on the objects of a 200-component store, ten times over (bench/memory.ts, report H20-mem):
 * 12% less heap than deepFreeze, about 20 µs more per object. Readers see equal values; everything
 * is frozen, so sharing is invisible to them, and a copy (copyMessage, clone) is a fresh object.
 */
export function compactFrozen<T>(value: T): T {
  return compact(value) as T;
}

const emptyList: readonly unknown[] = Object.freeze([]);
const emptyMap: Readonly<Record<string, never>> = Object.freeze({});

interface Timestamp {
  seconds: bigint;
  nanos: number;
}
const timestampTypeName = "google.protobuf.Timestamp";
// Shared timestamps by millisecond: two generations of at most this many, so that a stream of new
// times never grows the table; a time is shared while it is in either.
const timestampsKept = 20_000;
let timestamps = new Map<number, Timestamp>();
let olderTimestamps = new Map<number, Timestamp>();

function sharedTimestamp(t: Timestamp): Timestamp {
  const key = Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);
  const known = timestamps.get(key) ?? olderTimestamps.get(key);
  if (known && known.seconds === t.seconds && known.nanos === t.nanos) {
    if (timestamps.size < timestampsKept) timestamps.set(key, known);
    return known;
  }
  Object.freeze(t);
  // Another time in the same millisecond keeps the first one's place.
  if (!known) {
    if (timestamps.size >= timestampsKept) {
      olderTimestamps = timestamps;
      timestamps = new Map();
    }
    timestamps.set(key, t);
  }
  return t;
}

function compact(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return emptyList;
    for (let i = 0; i < value.length; i++) value[i] = compact(value[i]);
    return Object.freeze(value);
  }
  const record = value as Record<string, unknown>;
  if (record.$typeName === timestampTypeName && typeof record.seconds === "bigint") return sharedTimestamp(record as unknown as Timestamp);
  const keys = Object.keys(record);
  if (keys.length === 0 && Object.getPrototypeOf(record) === Object.prototype) return emptyMap;
  for (const key of keys) {
    const before = record[key];
    const after = compact(before);
    if (after !== before) record[key] = after;
  }
  return Object.freeze(record);
}
