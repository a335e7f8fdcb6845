import type { JsonObject } from "../model/index.js";
import { asObject } from "./object-meta.js";

/**
 * Environments in promotion order: along the pipelines' promotion paths from their sources
 * (development → staging → production), then any environment no pipeline names, by name.
 */
export function orderEnvironments(names: readonly string[], pipelines: readonly JsonObject[]): string[] {
  const next = new Map<string, string[]>();
  const targets = new Set<string>();
  for (const pipeline of pipelines) {
    const paths = asObject(pipeline.spec).promotionPaths;
    for (const path of Array.isArray(paths) ? paths : []) {
      const p = asObject(path);
      const source = typeof p.sourceEnvironmentRef === "string" ? p.sourceEnvironmentRef : undefined;
      if (!source) continue;
      const refs = Array.isArray(p.targetEnvironmentRefs) ? p.targetEnvironmentRefs : [];
      const to = refs.map((r) => asObject(r).name).filter((n): n is string => typeof n === "string");
      next.set(source, [...(next.get(source) ?? []), ...to]);
      to.forEach((t) => targets.add(t));
    }
  }
  const ordered: string[] = [];
  const queue = [...next.keys()].filter((s) => !targets.has(s));
  while (queue.length > 0) {
    const env = queue.shift()!;
    if (ordered.includes(env)) continue;
    ordered.push(env);
    queue.push(...(next.get(env) ?? []));
  }
  const known = new Set(names);
  return [...ordered.filter((e) => known.has(e)), ...[...names].filter((n) => !ordered.includes(n)).sort()];
}
