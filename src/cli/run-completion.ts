import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { commandSpecs, globalFlags } from "./command-specs.js";
import { completionScript } from "./completion-script.js";

/** `completion bash|zsh`: prints the script; the kind names come from the registry. */
export async function runCompletion(ctx: CommandContext): Promise<number> {
  const [shell, ...extra] = ctx.args.positionals;
  if ((shell !== "bash" && shell !== "zsh") || extra.length > 0) throw usageError("completion needs one shell: bash or zsh", "completion");
  const { registry } = await ctx.model();
  const kindNames = registry.kinds.flatMap((k) => [k.plural, ...k.shortNames]);
  ctx.io.stdout.write(completionScript(shell, { commands: commandSpecs, globalFlags, kindNames }));
  return 0;
}
