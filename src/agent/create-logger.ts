import { createRequire } from "node:module";
import { isatty } from "node:tty";
import { pino, type Logger } from "pino";

/** "auto": readable text on a terminal, JSON lines otherwise (a file, a pipe, a log collector). */
export const logFormats = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof logFormats)[number];

/**
 * The logger of the server and of the agent (it lives here, inside the agent's import boundary, so
 * both can use it). Writes are synchronous either way: nothing is lost at exit, and a closed output
 * (EPIPE) cannot wedge shutdown, which pino's default asynchronous destination does by retrying its
 * final flush forever. pino-pretty runs as a stream in this thread rather than as a transport, so
 * no worker thread has to find the module at run time.
 */
export function createLogger(options: { readonly level: string; readonly format: LogFormat; readonly fd: 1 | 2 }): Logger {
  const pretty = options.format === "pretty" || (options.format === "auto" && isatty(options.fd));
  if (!pretty) return pino({ level: options.level }, pino.destination({ dest: options.fd, sync: true }));
  // Loaded only for a terminal: JSON logs (a container, a pipe) do without its start-up cost.
  const { build: prettyStream } = createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty");
  const stream = prettyStream({
    destination: options.fd,
    sync: true,
    colorize: isatty(options.fd),
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
  });
  return pino({ level: options.level }, stream);
}

export function isLogFormat(value: string): value is LogFormat {
  return (logFormats as readonly string[]).includes(value);
}
