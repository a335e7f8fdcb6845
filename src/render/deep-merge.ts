import { isJsonObject, type JsonObject } from "../model/index.js";

/**
 * `over` laid on `base`: objects merge key by key, recursively; anything else present in `over`
 * (scalars, lists) replaces what `base` has. The result shares nothing with either input, so a
 * renderer may hand it out without aliasing a template it was given.
 */
export function deepMerge(base: JsonObject | undefined, over: JsonObject | undefined): JsonObject {
  const result: JsonObject = structuredClone(base ?? {});
  for (const [key, value] of Object.entries(over ?? {})) {
    if (value === undefined) continue;
    const current = result[key];
    result[key] = isJsonObject(current) && isJsonObject(value) ? deepMerge(current, value) : structuredClone(value);
  }
  return result;
}

