/** Where a command writes: a terminal, a pipe or a file. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width, when a terminal. */
  readonly columns?: number;
}

/** The process around the CLI, passed in so nothing reads globals while a command runs. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: AsyncIterable<Buffer | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homeDir: string;
  /** Aborted on Ctrl-C, so watches and waits stop and restore the terminal. */
  readonly signal: AbortSignal;
  now(): number;
}
