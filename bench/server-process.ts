// The control plane as `npm start` runs it, in a child process of the benchmark: the real server, the
// real store (SQLite in a temporary data directory) and the embedded planes' agents, reached only
// through its API and its /metrics. Its CPU time, RSS and event-loop delay are its own, not the
// benchmark's; with `cpuProfileDir` it writes a V8 CPU profile there when it stops.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";

const repository = fileURLToPath(new URL("..", import.meta.url));

export interface ServerProcessOptions {
  /** Extra CHOREO_* variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Write a `node --cpu-prof` profile of the server into this directory at exit. */
  readonly cpuProfileDir?: string;
  /** More Node.js options for the server process, e.g. `--heapsnapshot-signal=SIGUSR2`. */
  readonly nodeArgs?: readonly string[];
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  /** The admin token the server wrote into its data directory, once access control writes one. */
  token(): string | undefined;
  /** A gRPC transport on its own HTTP/2 connection, with the admin token once the server writes one. */
  transport(): ReturnType<typeof createGrpcTransport>;
  /** The server's Prometheus metrics, parsed: `name{labels}` → value. */
  metrics(): Promise<Map<string, number>>;
  /** User + system CPU seconds of the server process so far (from /proc). */
  cpuSeconds(): number;
  /** Resident set size in bytes (from /proc). */
  rssBytes(): number;
  /** SIGTERM, wait for the exit (and the CPU profile), remove the data directory. */
  stop(): Promise<void>;
}

const ticksPerSecond = 100;

/** utime + stime of a process, from /proc/PID/stat (Linux; the figures are meaningless elsewhere). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** Prometheus text → `name{labels}` → value (labels as printed, so lookups spell them the same way). */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-server-"));
  const profile = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", ...profile, ...(options.nodeArgs ?? []), "src/main/server.ts"], {
    cwd: repository,
    env: {
      ...process.env,
      CHOREO_HOST: "127.0.0.1",
      CHOREO_PORT: "0",
      CHOREO_DATA_DIR: dataDir,
      CHOREO_LOG_LEVEL: "warn",
      CHOREO_AGENT_SIMULATION: "1",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Its log (warnings and errors only) beside the data directory, kept after it stops.
  const log = createWriteStream(`${dataDir}.log`);
  child.stdout!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // A benchmark that dies must not leave a server (and its agents) running.
  const orphan = () => child.kill("SIGTERM");
  process.once("exit", orphan);
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /choreo: listening on (\S+)/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    void exited.then((code) => reject(new Error(`the server exited (${code}) before listening:\n${stderr}`)));
  });
  child.stderr!.removeAllListeners("data");
  child.stderr!.pipe(log);

  const tokenFile = join(dataDir, "admin.token");
  // Access control writes an admin token into the data directory; before it, calls needed none.
  const token = () => (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : undefined);
  const auth: Interceptor = (next) => async (request) => {
    const bearer = token();
    if (bearer) request.header.set("authorization", `Bearer ${bearer}`);
    return next(request);
  };
  const sessions: Http2SessionManager[] = [];
  const pid = child.pid!;
  return {
    url,
    pid,
    dataDir,
    token,
    transport() {
      const sessionManager = new Http2SessionManager(url);
      sessions.push(sessionManager);
      return createGrpcTransport({ baseUrl: url, sessionManager, interceptors: [auth] });
    },
    async metrics() {
      const bearer = token();
      const response = await fetch(`${url}/metrics`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
      return parseMetrics(await response.text());
    },
    cpuSeconds: () => processCpuSeconds(pid),
    rssBytes: () => rssOf(pid),
    async stop() {
      for (const session of sessions) session.abort();
      process.off("exit", orphan);
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
