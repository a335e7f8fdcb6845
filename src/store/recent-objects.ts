import type { StoredKey, StoredObject } from "./store-backend.js";

/**
 * The stored objects used last, decoded, up to a count: reading an object back from its stored
 * JSON (parse, then the codec's checked decode) costs more than the rest of a write, and a write
 * reads the object it changes, which is nearly always one written or read a moment before. The
 * objects are shared, never mutated (see StoreBackend).
 */
export interface RecentObjects {
  get(key: StoredKey): StoredObject | undefined;
  /** The object at exactly this revision, if held. */
  at(key: StoredKey, revision: number): StoredObject | undefined;
  remember(object: StoredObject): void;
  forget(key: StoredKey): void;
  clear(): void;
}

export function createRecentObjects(capacity: number): RecentObjects {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const objects = new Map<string, StoredObject>();
  const get = (key: StoredKey) => {
    const id = idOf(key);
    const found = objects.get(id);
    if (found) {
      objects.delete(id);
      objects.set(id, found);
    }
    return found;
  };
  return {
    get,
    at(key, revision) {
      const found = get(key);
      return found?.revision === revision ? found : undefined;
    },
    remember(object) {
      const id = idOf(object);
      objects.delete(id);
      objects.set(id, object);
      if (objects.size > capacity) objects.delete(objects.keys().next().value!);
    },
    forget: (key) => void objects.delete(idOf(key)),
    clear: () => objects.clear(),
  };
}

function idOf(key: StoredKey): string {
  return `${key.kind}\0${key.namespace}\0${key.name}`;
}
