import type { CliConfig } from "./cli-config.js";
import type { CliIo } from "./cli-io.js";
import type { Api } from "./create-api.js";
import type { CliModel } from "./load-model.js";
import type { FlagSpec, ParsedArgs } from "./parse-args.js";
import type { Target } from "./resolve-target.js";

/** What a command gets: its arguments, the process, and the pieces it may need, loaded on first use. */
export interface CommandContext {
  readonly io: CliIo;
  readonly args: ParsedArgs;
  readonly verbose: boolean;
  readonly configPath: string;
  /** The name the command was called by, for messages ("get", "config use-context"). */
  readonly commandPath: string;
  config(): Promise<CliConfig>;
  target(): Promise<Target>;
  model(): Promise<CliModel>;
  /** Connected on first use, closed when the command ends. */
  api(): Promise<Api>;
}

/** Runs a command; its result is the exit code (0 when nothing is returned). */
export type CommandRun = (ctx: CommandContext) => Promise<number | void>;

/** What a positional argument is, for shell completion. */
export type Completes = "kind" | "context" | "shell";

/** A command as help, parsing and shell completion see it. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Arguments after the command name, e.g. "KIND [NAME...] [flags]". */
  readonly usage: string;
  readonly flags: readonly FlagSpec[];
  readonly examples?: readonly string[];
  /** What the first positional is, for completion. */
  readonly completes?: Completes;
  readonly subcommands?: readonly CommandSpec[];
  /**
   * Loads the implementation: a command imports the generated code and the API client only when it
   * runs, so `config` and `help` answer without loading them.
   */
  readonly load?: () => Promise<CommandRun>;
}
