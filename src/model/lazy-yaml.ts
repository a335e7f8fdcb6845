import { createRequire } from "node:module";

type Yaml = typeof import("yaml");
let loaded: Yaml | undefined;

/**
 * The yaml package, loaded on first use. YAML is read and written by Apply, the CLI, the local
 * driver and one renderer, never on the way to a listening server or a connected agent, and loading
 * it there cost each start tens of milliseconds. (Kept out of the bundle by scripts/build.mjs, so
 * this is the one copy.)
 */
export function yaml(): Yaml {
  return (loaded ??= createRequire(import.meta.url)("yaml") as Yaml);
}
