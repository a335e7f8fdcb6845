export { runChoreoctl } from "./run-choreoctl.js";
export type { CliIo, OutputStream } from "./cli-io.js";
export { CliError, isCliError } from "./cli-error.js";
export { commandSpecs, globalFlags } from "./command-specs.js";
export type { CommandSpec, CommandContext, CommandRun } from "./command-spec.js";
