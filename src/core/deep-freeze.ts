/**
 * Freezes an object and everything it holds, so that an object shared by every reader of a cache
 * cannot be changed by one of them: a write to it throws (ESM code is strict) instead of silently
 * changing what every other reader sees. Byte arrays cannot be frozen and are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
