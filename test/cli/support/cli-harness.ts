import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { repoRoot } from "../../serving/support/repo-root.js";
import { runCommand, type CommandResult } from "../../serving/support/run-command.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../../serving/support/spawn-server.js";

/** The CLI as users run it: node and the repository's launcher, which registers tsx. */
export const choreoctl = join(repoRoot, "bin", "choreoctl.js");

/** A choreoctl process still running (a watch, a wait), with its output so far. */
export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` appears in stdout (or stderr); fails with both after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number, stream?: "stdout" | "stderr"): Promise<RegExpExecArray>;
  /** Resolves with the exit code when the process ends by itself. */
  readonly exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A real server process (`npm start`'s entry point, port 0, a fresh data directory) and a CLI config pointing at it. */
export interface CliHarness {
  readonly url: string;
  readonly dir: string;
  /** The environment every choreoctl run gets: its own config file and HOME. */
  readonly env: NodeJS.ProcessEnv;
  run(args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult>;
  start(args: readonly string[]): RunningCli;
  stop(): Promise<void>;
}

/** `serverEnv`: more of the server's configuration (CHOREO_*), e.g. simulation off. */
export async function startCliHarness(serverEnv: Record<string, string> = {}): Promise<CliHarness> {
  const dir = mkdtempSync(join(tmpdir(), "choreoctl-e2e-"));
  const server: SpawnedServer = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: join(dir, "data"), CHOREO_LOG_LEVEL: "warn", ...serverEnv });
  // Should the test process end without afterAll, the server must not outlive it.
  const killServer = () => server.child.kill("SIGKILL");
  process.once("exit", killServer);
  const url = await waitForListening(server, 30_000).then(
    (listening) => listening.url,
    (err: unknown) => {
      killServer();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    },
  );
  // The config file is the CLI's own interface, so writing it directly is what a user could do too.
  const configPath = join(dir, "config.yaml");
  // The platform admin's token the first start wrote (what the quick start uses too).
  writeFileSync(configPath, `currentContext: test\ncontexts:\n  - name: test\n    server: ${url}\n    tokenFile: ${join(dir, "data", "admin.token")}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, CHOREOCONFIG: configPath, HOME: dir, CHOREO_TOKEN: "" };
  const harness: CliHarness = {
    url,
    dir,
    env,
    run: (args, options = {}) =>
      runCommand(process.execPath, [choreoctl, ...args], {
        cwd: repoRoot,
        env: { ...env, ...options.env },
        ...(options.input !== undefined ? { input: options.input } : {}),
        timeoutMs: options.timeoutMs ?? 30_000,
      }),
    start: (args) => startProcess(process.execPath, [choreoctl, ...args], env),
    async stop() {
      process.off("exit", killServer);
      server.child.kill("SIGTERM");
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await waitForDefaults(harness);
  return harness;
}

/** One harness for a test file: started before its tests, stopped after them. */
export function useCliHarness(serverEnv: Record<string, string> = {}): () => CliHarness {
  let harness: CliHarness | undefined;
  beforeAll(async () => {
    harness = await startCliHarness(serverEnv);
  });
  afterAll(async () => harness?.stop());
  return () => harness!;
}

/** The embedded organization's environments appear shortly after start, when its controller ran. */
async function waitForDefaults(harness: CliHarness): Promise<void> {
  const watch = harness.start(["get", "environments", "-w", "-o", "name"]);
  try {
    await watch.waitFor(/environment\.openchoreo\.dev\/production/, 30_000);
  } finally {
    await watch.stop();
  }
}

/** Spawns a process and follows its output. */
export function startProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv): RunningCli {
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor(pattern, timeoutMs = 15_000, stream = "stdout") {
      return new Promise((resolve, reject) => {
        const source = stream === "stdout" ? child.stdout : child.stderr;
        const check = () => {
          const match = pattern.exec(stream === "stdout" ? stdout : stderr);
          if (match) {
            done();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${pattern} did not appear in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        const onClose = () => {
          check();
          done();
          reject(new Error(`process ended before ${pattern} appeared\nstdout: ${stdout}\nstderr: ${stderr}`));
        };
        const done = () => {
          clearTimeout(timer);
          source.off("data", check);
          child.off("close", onClose);
        };
        source.on("data", check);
        child.once("close", onClose);
        check();
      });
    },
    async stop(signal = "SIGINT") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
