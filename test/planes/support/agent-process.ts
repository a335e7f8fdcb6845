// Real agent processes (`src/agent/main.ts`, local driver) for tests on loopback, and what they left in
// their plane directory.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "../../serving/support/repo-root.js";

export interface AgentProcess {
  readonly child: ChildProcess;
  /** The local driver's directory. */
  readonly dir: string;
  stderr(): string;
  readonly exited: Promise<void>;
}

export interface AgentProcessOptions {
  readonly plane: string;
  readonly kind?: "DataPlane" | "BuildPlane";
  readonly token: string;
  readonly serverUrl: string;
  /** Holds the credential file and the plane's directory (named after the plane). */
  readonly work: string;
  readonly args?: readonly string[];
}

const running = new Set<ChildProcess>();
// Should a test process end without its afterAll, no agent may outlive it.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export function startAgentProcess(options: AgentProcessOptions): AgentProcess {
  const { plane, work } = options;
  const credentialFile = join(work, `${plane}.token`);
  writeFileSync(credentialFile, `${options.token}\n`);
  const dir = join(work, plane);
  const kind = options.kind ?? "DataPlane";
  // The plane tests' objects live in shop-dev; the agent's guard takes only the prefixes it is given.
  const guard = kind === "DataPlane" ? ["--namespace-prefix", "dp-,shop-"] : [];
  const args = ["--plane", plane, "--plane-kind", kind, "--credential-file", credentialFile, "--server", options.serverUrl, "--driver", "local", "--dir", dir, ...guard];
  const child = spawn(process.execPath, ["--import", "tsx", "src/agent/main.ts", ...args, ...(options.args ?? ["--simulate-delay", "100ms"])], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.add(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));
  return { child, dir, stderr: () => stderr, exited };
}

/** Kills every agent process still running (afterAll). */
export async function killAgentProcesses(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())))));
}

/** The object files' names under a plane directory, sorted. */
export function planeFiles(dir: string): string[] {
  return planePaths(dir)
    .map((p) => p.slice(p.lastIndexOf("/") + 1))
    .sort();
}

/** Every file under the plane's objects/, relative to it, sorted (temporary files included). */
export function planePaths(dir: string): string[] {
  const root = join(dir, "objects");
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as { isFile(): boolean; name: string; parentPath: string }[])
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}
