import { timestampMs } from "@bufbuild/protobuf/wkt";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { formatAge } from "./format-age.js";
import { formatTable } from "./format-table.js";

/** `history COMPONENT [--env ENV]`: every promotion, rollback and build, newest first. */
export async function runHistory(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  if (args.positionals.length !== 1) throw usageError("history takes exactly one COMPONENT", "history");
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const entries = [];
  let pageToken = "";
  do {
    const page = await api.promotions.listHistory({ namespace, componentName: args.positionals[0]!, environment: args.value("env") ?? "", pageToken });
    entries.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (entries.length === 0) {
    io.stdout.write(`No history for ${args.positionals[0]}.\n`);
    return 0;
  }
  const rows = entries.map((e) => [
    e.deployedTime ? formatAge(io.now() - timestampMs(e.deployedTime)) : "",
    e.environment,
    e.action,
    e.sourceEnvironment || "-",
    e.artifactName,
    e.image,
    e.result,
    e.principal || "-",
    e.promotionName || "-",
  ]);
  const { lines } = formatTable([["AGE", "ENVIRONMENT", "ACTION", "FROM", "ARTIFACT", "IMAGE", "RESULT", "BY", "PROMOTION"], ...rows]);
  io.stdout.write(lines.join("\n") + "\n");
  return 0;
}
