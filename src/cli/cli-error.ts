/**
 * An error the CLI reports as one line on stderr, with an exit code. `usage` errors come from a wrong
 * command line (exit 2, with a pointer to the help), the rest from what the command met (exit 1).
 */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: number;
  /** Shown under the message: a hint or, with --verbose, details. */
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: number; hint?: string } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

export function isCliError(err: unknown): err is CliError {
  return err instanceof Error && err.name === "CliError";
}

/** A command line the CLI cannot run; `command` names the help to read ("get", "config set-context"). */
export function usageError(message: string, command?: string): CliError {
  return new CliError(message, {
    exitCode: 2,
    hint: `Run "choreoctl ${command ? `${command} ` : ""}--help" for usage.`,
  });
}
