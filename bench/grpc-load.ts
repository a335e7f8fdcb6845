// The read-path benchmark's load generator, in a process of its own so that its CPU is not the
// server's: an @grpc/grpc-js client sending one unary request (raw bytes, no codec) with a fixed
// number of calls in flight, answering with the call count and every call's latency as JSON on stdout.
// Run by bench/read-path.ts: `tsx bench/grpc-load.ts '{"target":...}'`.
import * as grpc from "@grpc/grpc-js";

export interface LoadCommand {
  /** host:port */
  readonly target: string;
  readonly path: string;
  readonly requestBase64: string;
  readonly token?: string;
  readonly calls: number;
  readonly inFlight: number;
}

export interface LoadReport {
  readonly calls: number;
  readonly seconds: number;
  /** Every call's latency, so that several runs' percentiles can be taken together. */
  readonly latenciesMs: readonly number[];
  readonly responseBytes: number;
}

const command = JSON.parse(process.argv[2] ?? "{}") as LoadCommand;
const client = new grpc.Client(command.target, grpc.credentials.createInsecure());
const request = Buffer.from(command.requestBase64, "base64");
const identity = (b: Buffer) => b;
const metadata = new grpc.Metadata();
if (command.token) metadata.set("authorization", `Bearer ${command.token}`);

const call = () =>
  new Promise<{ ms: number; bytes: number }>((resolve, reject) => {
    const started = performance.now();
    client.makeUnaryRequest(command.path, identity, identity, request, metadata, (err, response) =>
      err ? reject(err) : resolve({ ms: performance.now() - started, bytes: response?.length ?? 0 }),
    );
  });

// Warm-up: connection, JIT on both sides.
for (let i = 0; i < 200; i++) await call();
const latencies: number[] = [];
let sent = 0;
let bytes = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: command.inFlight }, async () => {
    while (sent < command.calls) {
      sent++;
      const r = await call();
      latencies.push(r.ms);
      bytes = r.bytes;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const report: LoadReport = { calls: latencies.length, seconds, latenciesMs: latencies, responseBytes: bytes };
process.stdout.write(JSON.stringify(report));
client.close();
