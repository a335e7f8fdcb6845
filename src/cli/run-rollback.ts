import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { followPromotions } from "./follow-promotions.js";
import { waitTimeout } from "./run-promote.js";

/** `rollback COMPONENT --env ENV [--to ARTIFACT]`: a promotion of an earlier artifact, recorded as a rollback. */
export async function runRollback(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  if (args.positionals.length !== 1) throw usageError("rollback takes exactly one COMPONENT", "rollback");
  const environment = args.value("env");
  if (!environment) throw usageError("rollback needs --env ENV", "rollback");
  const timeoutMs = waitTimeout(ctx, "rollback");
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const { promotion } = await api.promotions.rollback({
    namespace,
    componentName: args.positionals[0]!,
    environment,
    artifactName: args.value("to") ?? "",
    reason: args.value("reason") ?? "",
  });
  const name = promotion?.metadata?.name ?? "";
  io.stdout.write(`promotion.openchoreo.dev/${name} created (${args.positionals[0]}: ${environment} back to ${promotion?.spec?.artifactName})\n`);
  if (timeoutMs === undefined) return 0;
  return (await followPromotions(api, io, namespace, [name], timeoutMs)) ? 0 : 1;
}
