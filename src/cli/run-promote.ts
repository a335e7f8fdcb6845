import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { followPromotions } from "./follow-promotions.js";
import { parseDuration } from "../model/parse-duration.js";

/**
 * `promote COMPONENT --from ENV --to ENV` and `promote project NAME --from ENV --to ENV`: asks the
 * server for the promotion (refused at once when the pipeline has no such path); with --wait, follows
 * it to its end (exit 1 unless every promotion succeeded).
 */
export async function runPromote(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const project = args.positionals[0] === "project";
  const positionals = project ? args.positionals.slice(1) : args.positionals;
  const what = project ? "promote project NAME" : "promote COMPONENT";
  if (positionals.length !== 1) throw usageError(`${what} takes exactly one name`, "promote");
  const from = args.value("from");
  const to = args.value("to");
  if (!from || !to) throw usageError(`${what} needs --from ENV and --to ENV`, "promote");
  const timeoutMs = waitTimeout(ctx, "promote");
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const reason = args.value("reason") ?? "";
  const promotions = project
    ? (await api.promotions.promoteProject({ namespace, projectName: positionals[0]!, sourceEnvironment: from, targetEnvironment: to, reason })).promotions
    : [(await api.promotions.promote({ namespace, componentName: positionals[0]!, sourceEnvironment: from, targetEnvironment: to, reason })).promotion!];
  for (const p of promotions) io.stdout.write(`promotion.openchoreo.dev/${p.metadata?.name} created (${p.spec?.owner?.componentName}: ${from} → ${to})\n`);
  if (timeoutMs === undefined) return 0;
  return (await followPromotions(api, io, namespace, promotions.map((p) => p.metadata?.name ?? ""), timeoutMs)) ? 0 : 1;
}

/** --timeout with --wait (default 5m); undefined without --wait. */
export function waitTimeout(ctx: CommandContext, command: string): number | undefined {
  const { args } = ctx;
  if (args.has("timeout") && !args.enabled("wait")) throw usageError("--timeout goes with --wait", command);
  if (!args.enabled("wait")) return undefined;
  const text = args.value("timeout") ?? "5m";
  const ms = parseDuration(text);
  if (ms === undefined) throw usageError(`--timeout "${text}" is not a duration (e.g. 90s, 10m, 1h)`, command);
  return ms;
}
