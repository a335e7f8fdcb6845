// The read path: server CPU per ComponentService.GetComponent (a component of about 1 KB, 50 calls in
// flight from an @grpc/grpc-js client in another process) on our server, against a bare
// @grpc/grpc-js server this benchmark starts itself, answering the same method with the same bytes,
// in the same run so that machine noise cancels in the ratios. Run alone with
// `tsx bench/read-path.ts [calls] [--cpu-prof DIR]`.
import { spawn } from "node:child_process";
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

/** Server CPU per call while the load generator runs. */
async function measure(pid: number, command: LoadCommand) {
  const before = processCpuSeconds(pid);
  const report = await load(command);
  // The warm-up calls are counted in the CPU too.
  const cpuUsPerCall = ((processCpuSeconds(pid) - before) * 1e6) / (report.calls + 200);
  return { report, figures: { cpuUsPerCall, p50Ms: report.p50Ms, p99Ms: report.p99Ms } };
}

export async function benchReadPath(options: { readonly calls: number; readonly inFlight?: number; readonly cpuProfileDir?: string }): Promise<ReadPathResult> {
  const inFlight = options.inFlight ?? 50;
  const server = await startServerProcess({ env: { CHOREO_EMBEDDED_AGENTS: "0" }, ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}) });
  let bare: ReturnType<typeof run> | undefined;
  try {
    const client = createClient(ResourceService, server.transport());
    await client.apply({ manifests: componentDocuments("reader"), defaultNamespace: "default" });
    const requestBase64 = Buffer.from(toBinary(GetComponentRequestSchema, create(GetComponentRequestSchema, { namespace: "default", name: "reader" }))).toString("base64");
    const target = new URL(server.url).host;
    await settled(server.pid);
    const ours = await measure(server.pid, { target, path, requestBase64, token: server.token(), calls: options.calls, inFlight });

    // The same bytes our server answers, from a server that does nothing else.
    const response = await createClient(ComponentService, server.transport()).getComponent({ namespace: "default", name: "reader" });
    const answer = Buffer.from(toBinary(GetComponentResponseSchema, response));
    bare = run("bare-grpc-server.ts", [path, answer.toString("base64")]);
    const port = await new Promise<string>((resolve) => bare!.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));
    const floor = await measure(bare.pid!, { target: `127.0.0.1:${port}`, path, requestBase64, calls: options.calls, inFlight });
    return { calls: ours.report.calls, responseBytes: answer.length, ours: ours.figures, bare: floor.figures };
  } finally {
    bare?.kill("SIGTERM");
    await server.stop();
  }
}

export function describeReadPath(r: ReadPathResult): string {
  const side = (name: string, s: ReadPathResult["ours"]) => `${name} ${s.cpuUsPerCall.toFixed(0)} µs CPU per call, p50 ${s.p50Ms.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms`;
  return `GetComponent (${r.responseBytes} B response), ${r.calls} calls: ${side("ours", r.ours)}; ${side("bare grpc-js", r.bare)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const profileAt = args.indexOf("--cpu-prof");
  const cpuProfileDir = profileAt >= 0 ? args.splice(profileAt, 2)[1] : undefined;
  console.log(describeReadPath(await benchReadPath({ calls: Number(args[0] ?? 5000), ...(cpuProfileDir ? { cpuProfileDir } : {}) })));
}
