import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { promotionLine } from "./follow-promotions.js";

/** `approve PROMOTION...`: the caller's approval (the server checks who may give it). */
export const runApprove = (ctx: CommandContext) => decide(ctx, "approve");

/** `reject PROMOTION...`: the caller's rejection. */
export const runReject = (ctx: CommandContext) => decide(ctx, "reject");

async function decide(ctx: CommandContext, verb: "approve" | "reject"): Promise<number> {
  const { args, io } = ctx;
  if (args.positionals.length === 0) throw usageError(`${verb} needs the name of a promotion`, verb);
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const comment = args.value("comment") ?? "";
  for (const name of args.positionals) {
    const { promotion } = await api.promotions[verb]({ namespace, name, comment });
    io.stdout.write(`promotion.openchoreo.dev/${name} ${verb === "approve" ? "approved" : "rejected"}\n`);
    if (promotion) io.stdout.write(`  ${promotionLine(promotion)}\n`);
  }
  return 0;
}
