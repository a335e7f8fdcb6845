import type { CliConfig } from "./cli-config.js";
import { usageError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import { clientVersion } from "./client-version.js";
import type { CommandContext, CommandSpec } from "./command-spec.js";
import { commandSpecs, globalFlags } from "./command-specs.js";
import type { Api } from "./create-api.js";
import { formatHelp } from "./format-help.js";
import type { CliModel } from "./load-model.js";
import { parseArgs } from "./parse-args.js";
import type { Target } from "./resolve-target.js";

/** Exit code after Ctrl-C, as shells report a process ended by SIGINT. */
const interruptedExitCode = 130;

/** Runs one command line and returns the exit code; errors are printed, never thrown. */
export async function runChoreoctl(argv: readonly string[], io: CliIo): Promise<number> {
  let api: Api | undefined;
  let target: Target | undefined;
  const verbose = argv.includes("--verbose");
  try {
    const { path, help, tokens } = findCommand(argv);
    const spec = path.at(-1);
    const commandPath = path.map((p) => p.name).join(" ");
    const { args } = parseArgs(tokens, [...globalFlags, ...(spec?.flags ?? [])], { command: commandPath });
    if (help || args.enabled("help") || !spec?.load) {
      io.stdout.write(formatHelp(path));
      return 0;
    }
    // Loaded past --help: configuration and targets (zod, yaml) and error formatting (protobuf,
    // Connect) are most of the CLI's start-up time, and help needs none of them.
    const { cliConfigPath, readCliConfig } = await import("./cli-config.js");
    const configPath = cliConfigPath(io.env, io.homeDir);
    const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
      let value: Promise<T> | undefined;
      return () => (value ??= make());
    };
    const config = once<CliConfig>(() => readCliConfig(configPath));
    const ctx: CommandContext = {
      io,
      args,
      verbose,
      configPath,
      commandPath,
      config,
      target: once(async () => {
        const { resolveTarget } = await import("./resolve-target.js");
        target = await resolveTarget(
          await config(),
          {
            server: args.value("server"),
            tokenFile: args.value("token-file"),
            context: args.value("context"),
            namespace: args.value("namespace"),
            certificateAuthority: args.value("certificate-authority"),
            insecureSkipTlsVerify: args.has("insecure-skip-tls-verify") ? args.enabled("insecure-skip-tls-verify") : undefined,
            envToken: io.env.CHOREO_TOKEN,
          },
          io.cwd,
          configPath,
        );
        return target;
      }),
      model: once<CliModel>(async () => (await import("./load-model.js")).loadModel()),
      api: once(async () => {
        const { createApi } = await import("./create-api.js");
        api = await createApi(await ctx.target(), `choreoctl/${await clientVersion()}`);
        return api;
      }),
    };
    const run = await spec.load();
    const code = (await run(ctx)) ?? 0;
    return io.signal.aborted ? interruptedExitCode : code;
  } catch (err) {
    if (io.signal.aborted) return interruptedExitCode;
    const { formatError } = await import("./format-error.js");
    const { lines, exitCode } = formatError(err, { verbose, server: target?.server });
    io.stderr.write(lines.join("\n") + "\n");
    return exitCode;
  } finally {
    api?.close();
  }
}

/**
 * Walks the command words (`config set-context`), letting global flags appear before, between and
 * after them, and returns the tokens to parse with the command's flags. `help X` is `X --help`.
 */
function findCommand(argv: readonly string[]): { path: CommandSpec[]; help: boolean; tokens: string[] } {
  const path: CommandSpec[] = [];
  const flagTokens: string[] = [];
  let help = false;
  let rest: readonly string[] = argv;
  let choices: readonly CommandSpec[] | undefined = commandSpecs;
  while (choices) {
    const command = path.map((p) => p.name).join(" ");
    const parsed = parseArgs(rest, globalFlags, { stopAtPositional: true, command });
    flagTokens.push(...rest.slice(0, rest.length - parsed.rest.length));
    const word = parsed.rest[0];
    if (word === undefined) {
      rest = [];
      break;
    }
    rest = parsed.rest.slice(1);
    if (word === "help" && path.length === 0 && !help) {
      help = true;
      continue;
    }
    const spec: CommandSpec | undefined = choices.find((c) => c.name === word);
    if (!spec) throw usageError(`unknown ${path.length > 0 ? `subcommand of ${command}` : "command"} "${word}"`, command || undefined);
    path.push(spec);
    choices = spec.subcommands;
  }
  return { path, help, tokens: [...flagTokens, ...rest] };
}
