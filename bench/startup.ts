// Start-up of the compiled entry points (dist/, built first when stale): wall time, best of N runs
// (the best run is the one least disturbed by other work on the machine). Figures go into the README's "Build and install"; no test asserts them. Run
// alone with `tsx bench/startup.ts`, or call benchStartup().
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface StartupFigure {
  readonly name: string;
  /** Best wall time, ms. */
  readonly wallMs: number;
}

/** Runs `node ARGS` until it exits, or until `ready` matches its stderr (then stops it). */
function timeOnce(args: readonly string[], env: NodeJS.ProcessEnv, ready?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let wallMs = 0;
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (ready && !wallMs && ready.test(stderr)) {
        wallMs = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill("SIGTERM");
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (!ready) wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      else if (!wallMs) return reject(new Error(`${args.join(" ")} exited (${code}) before it was ready:\n${stderr}`));
      resolve(wallMs);
    });
  });
}

export async function benchStartup(runs = 5): Promise<StartupFigure[]> {
  spawnSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: root, stdio: "inherit" });
  const dataDir = mkdtempSync(join(tmpdir(), "choreo-startup-"));
  const serverEnv = { ...process.env, CHOREO_PORT: "0", CHOREO_EMBEDDED_AGENTS: "0", CHOREO_LOG_LEVEL: "warn" };
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp?][] = [
    ["node -e 0", ["-e", "0"], process.env],
    ["choreoctl --help", ["bin/choreoctl.js", "--help"], process.env],
    ["agent --help", ["dist/agent/main.js", "--help"], process.env],
    ["server to listening (new data directory)", ["dist/main/server.js"], serverEnv, /listening on/],
  ];
  const figures: StartupFigure[] = [];
  try {
    for (const [name, args, env, ready] of cases) {
      let best = Infinity;
      for (let i = 0; i < runs; i++) {
        const runEnv = ready ? { ...env, CHOREO_DATA_DIR: join(dataDir, `${figures.length}-${i}`) } : env;
        best = Math.min(best, await timeOnce(args, runEnv, ready));
      }
      figures.push({ name, wallMs: best });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

export function printStartupBench(figures: readonly StartupFigure[]): void {
  for (const f of figures) console.log(`${f.name.padEnd(44)} ${f.wallMs.toFixed(0).padStart(6)} ms wall`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printStartupBench(await benchStartup());
