// The read path: server CPU per ComponentService.GetComponent (a component of about 1 KB, 50 calls in
// flight from an @grpc/grpc-js client in another process) on our server, against a bare
// @grpc/grpc-js server this benchmark starts itself, answering the same method with the same bytes,
// in the same run, the two taking turns in rounds, so that machine noise cancels in the ratios. Run
// alone with `tsx bench/read-path.ts [calls] [--cpu-prof DIR]`.
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { ComponentService, GetComponentRequestSchema, GetComponentResponseSchema } from "../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { ResourceService } from "../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { componentDocuments } from "./convergence.js";
import type { LoadCommand, LoadReport } from "./grpc-load.js";
import { processCpuSeconds, startServerProcess } from "./server-process.js";

export interface ReadPathResult {
  readonly calls: number;
  readonly responseBytes: number;
  readonly ours: { readonly cpuUsPerCall: number; readonly p50Ms: number; readonly p99Ms: number };
  readonly bare: { readonly cpuUsPerCall: number; readonly p50Ms: number; readonly p99Ms: number };
  /** The machine's one-minute load average at the end: the figures' context on a shared machine. */
  readonly loadAverage: number;
}

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const path = "/openchoreo.api.v1alpha1.ComponentService/GetComponent";

function run(script: string, args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", `${benchDir}${script}`, ...args], { stdio: ["ignore", "pipe", "inherit"] });
}

async function load(command: LoadCommand): Promise<LoadReport> {
  const child = run("grpc-load.ts", [JSON.stringify(command)]);
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`read-path bench: the load generator exited with ${code}`);
  return JSON.parse(out) as LoadReport;
}

/**
 * Waits until the server is quiet (under 20 ms of CPU in each of two half seconds, at most a minute):
 * the controllers' work on the Apply and the start-up's last steps would otherwise count as reads.
 */
async function settled(pid: number): Promise<void> {
  const until = Date.now() + 60_000;
  for (let quiet = 0; quiet < 2 && Date.now() < until; ) {
    const before = processCpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    quiet = processCpuSeconds(pid) - before <= 0.02 ? quiet + 1 : 0;
  }
}

/** Server CPU per call while the load generator runs, and the calls' latencies. */
async function measure(pid: number, command: LoadCommand) {
  const before = processCpuSeconds(pid);
  const report = await load(command);
  // The warm-up calls are counted in the CPU too.
  return { cpuSeconds: processCpuSeconds(pid) - before, calls: report.calls + 200, latenciesMs: report.latenciesMs };
}

/** Several measurements of one server taken together. */
function figuresOf(runs: Awaited<ReturnType<typeof measure>>[]) {
  const calls = runs.reduce((sum, r) => sum + r.calls, 0);
  const latencies = runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { cpuUsPerCall: (runs.reduce((sum, r) => sum + r.cpuSeconds, 0) * 1e6) / calls, p50Ms: at(50), p99Ms: at(99) };
}

export async function benchReadPath(options: { readonly calls: number; readonly inFlight?: number; readonly rounds?: number; readonly cpuProfileDir?: string }): Promise<ReadPathResult> {
  const inFlight = options.inFlight ?? 50;
  const rounds = options.rounds ?? 4;
  const server = await startServerProcess({ env: { CHOREO_EMBEDDED_AGENTS: "0" }, ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}) });
  let bare: ReturnType<typeof run> | undefined;
  try {
    const client = createClient(ResourceService, server.transport());
    await client.apply({ manifests: componentDocuments("reader"), defaultNamespace: "default" });
    const requestBase64 = Buffer.from(toBinary(GetComponentRequestSchema, create(GetComponentRequestSchema, { namespace: "default", name: "reader" }))).toString("base64");
    await settled(server.pid);

    // The same bytes our server answers, from a server that does nothing else.
    const response = await createClient(ComponentService, server.transport()).getComponent({ namespace: "default", name: "reader" });
    const answer = Buffer.from(toBinary(GetComponentResponseSchema, response));
    bare = run("bare-grpc-server.ts", [path, answer.toString("base64")]);
    const port = await new Promise<string>((resolve) => bare!.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));

    // The two take turns, so that a change in the machine's load falls on both alike.
    const perRound = Math.ceil(options.calls / rounds);
    const ours: Awaited<ReturnType<typeof measure>>[] = [];
    const floor: Awaited<ReturnType<typeof measure>>[] = [];
    for (let round = 0; round < rounds; round++) {
      ours.push(await measure(server.pid, { target: new URL(server.url).host, path, requestBase64, token: server.token(), calls: perRound, inFlight }));
      floor.push(await measure(bare.pid!, { target: `127.0.0.1:${port}`, path, requestBase64, calls: perRound, inFlight }));
    }
    return { calls: perRound * rounds, responseBytes: answer.length, ours: figuresOf(ours), bare: figuresOf(floor), loadAverage: loadavg()[0]! };
  } finally {
    bare?.kill("SIGTERM");
    await server.stop();
  }
}

export function describeReadPath(r: ReadPathResult): string {
  const side = (name: string, s: ReadPathResult["ours"]) => `${name} ${s.cpuUsPerCall.toFixed(0)} µs CPU per call, p50 ${s.p50Ms.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  return `GetComponent (${r.responseBytes} B response), ${r.calls} calls: ${side("ours", r.ours)}; ${side("bare grpc-js", r.bare)}; CPU ${ratio(r.ours.cpuUsPerCall, r.bare.cpuUsPerCall)}×, p99 ${ratio(r.ours.p99Ms, r.bare.p99Ms)}× (load average ${r.loadAverage.toFixed(1)})`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const profileAt = args.indexOf("--cpu-prof");
  const cpuProfileDir = profileAt >= 0 ? args.splice(profileAt, 2)[1] : undefined;
  console.log(describeReadPath(await benchReadPath({ calls: Number(args[0] ?? 5000), ...(cpuProfileDir ? { cpuProfileDir } : {}) })));
}
