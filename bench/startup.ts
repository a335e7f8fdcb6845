// Start-up of the compiled entry points (dist/, built first when stale), against issue #22's target of
// 0.3 s each: wall time from spawn to ready, and the CPU time (user + system) the process had used by
// then, read from /proc (Linux; absent elsewhere). Best and median of N runs: on a shared machine the
// best run is the one least disturbed by other work, and CPU time is the steadier figure. Ready means:
// exited (--help); for the server, it logged "listening" and then answered a real request on its port,
// a gRPC health Check (Connect, HTTP/1.1) reporting SERVING (the control plane's controllers running),
// asked again until it does; "connected to the control plane" (agent). Figures go into the
// README's "Build and install"; no test asserts them. Run alone with `tsx bench/startup.ts`, or through
// `npm run bench -- --only startup`.
import { spawn, spawnSync } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The target for each entry point. */
export const startupTargetMs = 300;

export interface StartupFigure {
  readonly name: string;
  readonly bestWallMs: number;
  readonly medianWallMs: number;
  /** Undefined where /proc is not there to read. */
  readonly bestCpuMs: number | undefined;
  readonly medianCpuMs: number | undefined;
}

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number | undefined;
}

/** user + system time of a live process, from /proc/PID/stat (fields 14 and 15, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** user + system time of this process's children that have exited and been waited for. */
function childrenCpuMs(): number | undefined {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

/** When a started process is ready: a line it writes, then, if given, what `confirm` checks (with all output so far). */
interface Readiness {
  readonly line: RegExp;
  readonly confirm?: (output: string) => Promise<void>;
}

/** The server's health status for "" over Connect's JSON protocol on HTTP/1.1: what a probe would ask. */
function healthStatus(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => (res.statusCode === 200 ? resolve((JSON.parse(body) as { status?: string }).status ?? "UNKNOWN") : reject(new Error(`health check: HTTP ${res.statusCode}: ${body}`))));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

/** Listening and answering: the server's port answers a health Check with SERVING (asked again every 2 ms until then). */
const serverServing: Readiness = {
  line: /"msg":"listening"/,
  async confirm(output) {
    const url = /"url":"(http:\/\/[^"]+)","port":\d+,"msg":"listening"/.exec(output)?.[1];
    if (!url) throw new Error(`no URL in the listening line:\n${output}`);
    while ((await healthStatus(url)) !== "SERVING") await new Promise((resolve) => setTimeout(resolve, 2));
  },
};

/**
 * Runs `node ARGS` until it exits (no `ready`), or until it is ready (then reads its CPU time and
 * stops it).
 */
function timeOnce(args: readonly string[], env: NodeJS.ProcessEnv, ready?: Readiness): Promise<Run> {
  return new Promise((resolve, reject) => {
    const childrenBefore = childrenCpuMs();
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let run: Run | undefined;
    let confirming = false;
    const onData = (d: string) => {
      output += d;
      if (!ready || confirming || !ready.line.test(output)) return;
      confirming = true;
      (ready.confirm?.(output) ?? Promise.resolve()).then(
        () => {
          run = { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: cpuMsOf(child.pid!) };
          child.kill("SIGTERM");
        },
        (err: unknown) => {
          child.kill("SIGTERM");
          reject(err);
        },
      );
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", onData);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (ready) {
        if (run) resolve(run);
        else reject(new Error(`${args.join(" ")} exited (${code}) before it was ready:\n${output}`));
        return;
      }
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      // Reaped by now: its time is in this process's children's times.
      setImmediate(() => {
        const after = childrenCpuMs();
        resolve({ wallMs, cpuMs: after === undefined || childrenBefore === undefined ? undefined : after - childrenBefore });
      });
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

function figureOf(name: string, runs: readonly Run[]): StartupFigure {
  const walls = runs.map((r) => r.wallMs);
  const cpus = runs.map((r) => r.cpuMs).filter((c): c is number => c !== undefined);
  return {
    name,
    bestWallMs: Math.min(...walls),
    medianWallMs: median(walls),
    bestCpuMs: cpus.length ? Math.min(...cpus) : undefined,
    medianCpuMs: cpus.length ? median(cpus) : undefined,
  };
}

/** A server of the compiled build in a new data directory, until stopped; for the agent's case. */
async function withServer<T>(dataDir: string, use: (url: string) => Promise<T>): Promise<T> {
  const env = { ...process.env, CHOREO_PORT: "0", CHOREO_DATA_DIR: dataDir, CHOREO_EMBEDDED_AGENTS: "0", CHOREO_LOG_FORMAT: "json", CHOREO_LOG_LEVEL: "warn" };
  const server = spawn(process.execPath, ["dist/main/server.js"], { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      server.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        const m = /listening on (http:\/\/[^\s)]+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      server.once("exit", (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
    });
    return await use(url);
  } finally {
    server.kill("SIGTERM");
    await new Promise((resolve) => (server.exitCode === null ? server.once("exit", resolve) : resolve(undefined)));
  }
}

export async function benchStartup(runs = 5): Promise<StartupFigure[]> {
  spawnSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: root, stdio: "inherit" });
  const work = mkdtempSync(join(tmpdir(), "choreo-startup-"));
  const quiet = { ...process.env, CHOREO_LOG_FORMAT: "json", CHOREO_LOG_LEVEL: "info" };
  const serverEnv = (dataDir: string) => ({ ...quiet, CHOREO_PORT: "0", CHOREO_EMBEDDED_AGENTS: "0", CHOREO_DATA_DIR: dataDir });
  const repeat = async (once: (i: number) => Promise<Run>) => {
    const all: Run[] = [];
    for (let i = 0; i < runs; i++) all.push(await once(i));
    return all;
  };
  const figures: StartupFigure[] = [];
  try {
    figures.push(figureOf("node -e 0 (Node.js alone)", await repeat(() => timeOnce(["-e", "0"], process.env))));
    figures.push(figureOf("choreoctl --help (bin/choreoctl.js)", await repeat(() => timeOnce(["bin/choreoctl.js", "--help"], process.env))));
    figures.push(figureOf("agent --help", await repeat(() => timeOnce(["dist/agent/main.js", "--help"], process.env))));
    figures.push(figureOf("server to serving, new data directory", await repeat((i) => timeOnce(["dist/main/server.js"], serverEnv(join(work, `new-${i}`)), serverServing))));
    const existing = join(work, "existing");
    await timeOnce(["dist/main/server.js"], serverEnv(existing), serverServing);
    figures.push(figureOf("server to serving, existing data directory", await repeat(() => timeOnce(["dist/main/server.js"], serverEnv(existing), serverServing))));
    figures.push(
      figureOf(
        "agent to connected (local driver)",
        await withServer(join(work, "for-agent"), async (url) => {
          const credential = join(work, "agent.credential");
          const cli = ["dist/cli/main.js", "--server", url, "--token-file", join(work, "for-agent", "admin.token"), "plane", "register", "dataplane", "default", "--replace"];
          const registered = spawnSync(process.execPath, cli, { cwd: root, env: { ...process.env, CHOREOCONFIG: join(work, "choreo-config.yaml") }, encoding: "utf8" });
          if (registered.status !== 0) throw new Error(`plane register failed:\n${registered.stderr}`);
          writeFileSync(credential, registered.stdout.trim().split("\n").pop()!, { mode: 0o600 });
          const agent = ["dist/agent/main.js", "--plane", "default", "--plane-kind", "DataPlane", "--credential-file", credential, "--server", url, "--driver", "local"];
          return repeat((i) => timeOnce([...agent, "--dir", join(work, `agent-${i}`)], quiet, { line: /connected to the control plane/ }));
        }),
      ),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return figures;
}

const ms = (v: number | undefined) => (v === undefined ? "    -" : v.toFixed(0).padStart(5));

export function printStartupBench(figures: readonly StartupFigure[]): void {
  console.log(`${"".padEnd(46)} wall best / median      CPU best / median   CPU best / ${startupTargetMs} ms`);
  for (const f of figures) {
    const ratio = f.bestCpuMs === undefined ? "" : (f.bestCpuMs / startupTargetMs).toFixed(2);
    console.log(`${f.name.padEnd(46)} ${ms(f.bestWallMs)} / ${ms(f.medianWallMs)} ms      ${ms(f.bestCpuMs)} / ${ms(f.medianCpuMs)} ms   ${ratio.padStart(8)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printStartupBench(await benchStartup());
