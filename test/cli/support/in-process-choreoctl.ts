import { join } from "node:path";
import type { CliIo } from "../../../src/cli/cli-io.js";
import { runChoreoctl } from "../../../src/cli/run-choreoctl.js";

export interface InProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs choreoctl in this process, as bin/choreoctl.js would, with `dir` as its home and working
 * directory and its configuration in `dir/<config>`; `env` adds variables (CHOREO_TOKEN...).
 */
export async function choreoctlInProcess(args: readonly string[], dir: string, options: { config?: string; env?: Record<string, string> } = {}): Promise<InProcessResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: (async function* () {})(),
    env: { CHOREOCONFIG: join(dir, options.config ?? "config.yaml"), ...options.env },
    cwd: dir,
    homeDir: dir,
    signal: new AbortController().signal,
    now: () => Date.now(),
  };
  const code = await runChoreoctl([...args], io);
  return { code, stdout, stderr };
}
