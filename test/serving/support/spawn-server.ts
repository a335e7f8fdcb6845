import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { repoRoot } from "./repo-root.js";

export interface SpawnedServer {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Where it keeps its state: on "kubernetes" it first starts its own API double, which takes as long again. */
  readonly store: "sqlite" | "kubernetes";
}

/**
 * Runs the server entry point as `npm start` does (node with the tsx loader), in its own process.
 * With CHOREO_TEST_STORE=kubernetes (the test run's environment, or `env`) and no CHOREO_STORE of
 * its own, the server keeps its state on CHOREO_STORE=kubernetes, in a fresh Kubernetes API double.
 */
export function spawnServer(env: Record<string, string>): SpawnedServer {
  const onKubernetes = (env.CHOREO_TEST_STORE ?? process.env.CHOREO_TEST_STORE) === "kubernetes" && env.CHOREO_STORE === undefined;
  const entry = onKubernetes ? "test/store/support/server-on-kubernetes.ts" : "src/main/server.ts";
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: "pipe",
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr, store: onKubernetes ? "kubernetes" : "sqlite" };
}

/** Waits for the server's "listening on URL" line; fails with its output if it exits or takes too long. */
export function waitForListening(server: SpawnedServer, timeoutMs = 15_000): Promise<{ url: string; port: number }> {
  if (server.store === "kubernetes") timeoutMs *= 2;
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /listening on (https?:\/\/[^\s:]+:(\d+))/.exec(server.stderr());
      if (m) {
        done();
        resolve({ url: m[1]!, port: Number(m[2]) });
      }
    };
    const onExit = () => {
      done();
      reject(new Error(`server exited before listening:\n${server.stderr()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`server not listening after ${timeoutMs} ms:\n${server.stderr()}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      server.child.stderr.off("data", check);
      server.child.off("exit", onExit);
    };
    server.child.stderr.on("data", check);
    server.child.once("exit", onExit);
    check();
  });
}
