import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./sqlite-child.ts", import.meta.url));

export interface Child {
  readonly pid: number;
  /** Every complete line printed so far. */
  readonly lines: readonly string[];
  /** Resolves with the first line (already printed or still to come) that satisfies the test. */
  waitForLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs test/store/support/sqlite-child.ts in a fresh Node process (through tsx). */
export function startChild(args: readonly string[]): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let pending = "";
  let stderr = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  let exited = false;
  // "close" rather than "exit": it comes after the last output has been read.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("close", (code, signal) => {
      exited = true;
      resolve({ code, signal });
      for (const wake of waiters) wake();
    }),
  );
  return {
    pid: proc.pid!,
    lines,
    exit,
    kill: (signal) => void proc.kill(signal),
    waitForLine(test, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(test);
          if (line !== undefined) return finish(() => resolve(line));
          if (exited) finish(() => reject(new Error(`the child exited without printing the line; stderr:\n${stderr}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no such line from the child within ${timeoutMs} ms; stderr:\n${stderr}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}
