import type { CommandContext } from "./command-spec.js";
import { formatTable } from "./format-table.js";

/** `api-resources`: every kind the registry knows, with the names `get` and friends accept. */
export async function runApiResources(ctx: CommandContext): Promise<number> {
  const { registry } = await ctx.model();
  const rows = registry.kinds.map((k) => [k.plural, k.shortNames.join(","), k.apiVersion, String(k.namespaced), k.kind]);
  ctx.io.stdout.write(formatTable([["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], ...rows]).lines.join("\n") + "\n");
  return 0;
}
