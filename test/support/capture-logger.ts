import { pino } from "pino";
import type { Logger } from "pino";

/** A pino logger whose JSON lines land in `lines`, parsed, for assertions. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "trace" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}
