import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { parseDuration } from "../model/parse-duration.js";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";

/** The component and environment a runtime command (logs, tree) is about. */
export function componentInEnvironment(ctx: CommandContext, command: string): { name: string; environment: string } {
  if (ctx.args.positionals.length !== 1) throw usageError(`${command} takes exactly one component`, command);
  const environment = ctx.args.value("env");
  if (!environment) throw usageError(`${command} needs --env ENV: the environment whose pods to look at`, command);
  return { name: ctx.args.positionals[0]!, environment };
}

function since(text: string | undefined) {
  if (text === undefined) return undefined;
  const ago = parseDuration(text);
  if (ago !== undefined) return { case: "sinceDuration" as const, value: durationFromMs(ago) };
  const at = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(at)) return { case: "sinceTime" as const, value: timestampFromMs(at) };
  throw usageError("--since must be a duration back from now (10m, 1h) or an RFC 3339 time (2026-01-31T09:00:00Z)", "logs");
}

/**
 * `logs COMPONENT --env ENV`: the lines of every pod of the component, as `stern` prints them
 * ("pod container line"); a gap the server had to drop is said on stderr where it happened.
 */
export async function runLogs(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const { name, environment } = componentInEnvironment(ctx, "logs");
  const tailText = args.value("tail");
  const tail = tailText === undefined ? undefined : Number(tailText);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw usageError(`--tail "${tailText}" is not a whole number of lines`, "logs");
  const sinceValue = since(args.value("since"));
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const timestamps = args.enabled("timestamps");
  try {
    const stream = api.components.streamComponentLogs(
      {
        namespace,
        name,
        environment,
        container: args.value("container") ?? "",
        pod: args.value("pod") ?? "",
        follow: args.enabled("follow"),
        timestamps,
        ...(tail !== undefined ? { tailLines: tail } : {}),
        ...(sinceValue ? { since: sinceValue } : {}),
      },
      { signal: io.signal },
    );
    for await (const batch of stream) {
      if (batch.droppedLines > 0n) io.stderr.write(`(${batch.droppedLines} lines dropped here: the log came faster than it could be delivered)\n`);
      let text = "";
      for (const line of batch.lines) text += `${line.pod} ${line.container} ${timestamps && line.timestamp ? `${line.timestamp} ` : ""}${line.text}\n`;
      io.stdout.write(text);
    }
  } catch (err) {
    if (!io.signal.aborted) throw err;
  }
  return 0;
}
