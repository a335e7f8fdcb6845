import type { KindInfo, KindRegistry } from "../model/index.js";
import { usageError } from "./cli-error.js";
import { resolveKind } from "./resolve-kind.js";

/**
 * The objects a command names, as kubectl takes them: `KIND [NAME...]` or `KIND/NAME...` (all of one
 * kind), so the output of `-o name` can be passed back.
 */
export function parseObjectArgs(registry: KindRegistry, positionals: readonly string[], command: string): { kind: KindInfo; names: string[] } {
  const [first, ...rest] = positionals;
  if (!first) throw usageError(`${command} needs a KIND ("choreoctl api-resources" lists them)`, command);
  if (!first.includes("/")) return { kind: resolveKind(registry, first), names: rest };
  const pairs = positionals.map((p) => {
    const slash = p.indexOf("/");
    if (slash < 0) throw usageError(`"${p}": with KIND/NAME, every argument must be KIND/NAME`, command);
    return { kind: resolveKind(registry, p.slice(0, slash)), name: p.slice(slash + 1) };
  });
  const kind = pairs[0]!.kind;
  if (pairs.some((p) => p.kind !== kind)) throw usageError("KIND/NAME arguments must all be of one kind", command);
  return { kind, names: pairs.map((p) => p.name) };
}
