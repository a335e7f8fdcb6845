// Hostile input over every protocol to every method: thousands of generated and mutated requests
// (a seeded generator: CHOREO_HOSTILE_SEED reproduces a run, CHOREO_HOSTILE_REQUESTS sets how many),
// over Connect JSON, Connect binary and gRPC-Web (connect-node's transports, and raw HTTP for bytes
// no client would send) and gRPC (@grpc/grpc-js). The server must stay up and healthy, answer no
// client's mistake with a 5xx or `internal` (undecodable protobuf keeps gRPC's `internal`, as the
// README says), and leave the spec and metadata of every user-owned object as they were, while its
// controllers go on writing status.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { create, toBinary, toJsonString, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { ConnectRequestSchema, PlaneAgentService } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { startControlPlane, type ControlPlane } from "../../src/main/control-plane.js";
import { startServer, type RunningServer } from "../../src/main/index.js";
import { adminTokenOf, bearer } from "../support/test-tokens.js";
import { createRandom, hostileRequest, mutateBinary, mutateJson, type Random } from "./support/hostile-requests.js";

const seed = Number(process.env.CHOREO_HOSTILE_SEED ?? 19);
const requests = Number(process.env.CHOREO_HOSTILE_REQUESTS ?? 1500);
const batchSize = 50;
const inFlight = 6;
const agentMaxMessageBytes = 256 * 1024;

let dataDir: string;
let plane: ControlPlane;
let server: RunningServer;
let admin: string;
/** What the server logged at error level: an "unexpected error in rpc" is a bug whatever the client saw. */
const serverErrors: Record<string, unknown>[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "choreo-hostile-"));
  const logger = pino({ level: "error" }, { write: (line: string) => void serverErrors.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = new Registry();
  plane = await startControlPlane({ dataDir, agent: { heartbeatMs: 1000, timeoutMs: 3000, maxInFlight: 8, maxMessageBytes: agentMaxMessageBytes } }, { logger, metrics });
  server = await startServer({ host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 8 * 1024 * 1024, shutdownGraceMs: 500, corsOrigins: [] }, { logger, metrics, resources: plane });
  admin = adminTokenOf(dataDir);
  // User-owned objects to guard, beside the embedded defaults.
  const resources = createClient(ResourceService, createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors: [bearer(admin)] }));
  await resources.apply({
    manifests: [
      "kind: Organization\nmetadata: {name: acme}",
      "kind: Project\nmetadata: {name: keep-shop, namespace: acme}\nspec: {deploymentPipelineRef: default}",
      "kind: Component\nmetadata: {name: keep-api, namespace: acme}\nspec: {owner: {projectName: keep-shop}, type: Service}",
    ].map((d) => `apiVersion: openchoreo.dev/v1alpha1\n${d}\n`).join("---\n"),
  });
}, 120_000);

afterAll(async () => {
  grpcClient?.close();
  await server?.close();
  await plane?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Kinds the control plane writes itself (status, releases, events, credentials, bindings it
// creates and moves): their objects change while the suite runs, whatever it sends.
const systemKinds = new Set(["Release", "Event", "PlaneCredential", "DeployableArtifact", "Endpoint", "ServiceBinding", "WebApplicationBinding", "ScheduledTaskBinding", "APIBinding", "BindingRevision", "AuditRecord", "ApiToken", "Build", "Promotion"]);

/** spec and metadata (but the resource version, which status writes move) of every user-owned object. */
async function dump(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const kind of plane.codec.registry.kinds) {
    if (systemKinds.has(kind.kind)) continue;
    const page = await plane.store.list(kind.schema);
    for (const object of page.items) {
      const json = plane.codec.encode(object) as { metadata?: Record<string, unknown>; spec?: unknown };
      const { resourceVersion: _rv, ...metadata } = json.metadata ?? {};
      out.set(`${kind.kind}/${String(metadata.namespace ?? "")}/${String(metadata.name)}`, JSON.stringify({ metadata, spec: json.spec }));
    }
  }
  return out;
}

/**
 * The dump once the controllers have settled (two reads half a second apart agree): they add their own
 * finalizers, labels and owner references to new objects, which is not what this suite looks for.
 */
async function settledDump(): Promise<Map<string, string>> {
  const deadline = Date.now() + 60_000;
  let previous = await dump();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const current = await dump();
    if (JSON.stringify([...current]) === JSON.stringify([...previous])) return current;
    if (Date.now() > deadline) throw new Error("the controllers kept changing user-owned objects for a minute");
    previous = current;
  }
}

async function healthy(): Promise<boolean> {
  const res = await fetch(`${server.url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => undefined);
  return res?.status === 200 && ((await res.json()) as { status?: string }).status === "SERVING";
}

type Protocol = "connect-json" | "connect-binary" | "grpc-web" | "grpc";
const protocols: readonly Protocol[] = ["connect-json", "connect-binary", "grpc-web", "grpc"];

interface Case {
  readonly n: number;
  readonly method: DescMethod;
  readonly protocol: Protocol;
  readonly token: string | undefined;
  /** A generated message, or raw bytes / text no conforming client would send. */
  readonly form: "message" | "raw";
}

interface Outcome {
  /** The code the server answered with, by name, or "ok". */
  readonly code: string;
  readonly httpStatus?: number;
  /** The body could not be decoded: gRPC's `internal` is then the protocols' answer. */
  readonly undecodable: boolean;
}

const methods: DescMethod[] = allFiles
  .flatMap((f) => f.services)
  .filter((s) => !s.typeName.startsWith("grpc.reflection"))
  .flatMap((s: DescService) => s.methods)
  .filter((m) => m.methodKind === "unary" || m.methodKind === "server_streaming");

function caseOf(rng: Random, n: number): Case {
  const r = rng.next();
  return {
    n,
    method: rng.pick(methods),
    protocol: rng.pick(protocols),
    token: r < 0.85 ? admin : r < 0.95 ? undefined : "not-a-token",
    form: rng.chance(0.6) ? "message" : "raw",
  };
}

const transports = new Map<string, Transport>();
function transportOf(protocol: Exclude<Protocol, "grpc">, token: string | undefined): Transport {
  const key = `${protocol}/${token ?? ""}`;
  let transport = transports.get(key);
  if (!transport) {
    const options = { baseUrl: server.url, interceptors: token === undefined ? [] : [bearer(token)] };
    transport =
      protocol === "grpc-web"
        ? createGrpcWebTransport({ ...options, httpVersion: "1.1" })
        : createConnectTransport({ ...options, httpVersion: "1.1", useBinaryFormat: protocol === "connect-binary" });
    transports.set(key, transport);
  }
  return transport;
}

let grpcClient: grpc.Client | undefined;
function grpcClientOf(): grpc.Client {
  grpcClient ??= new grpc.Client(server.url.replace(/^http:\/\//, ""), grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1, "grpc.max_receive_message_length": -1 });
  return grpcClient;
}

const streamPeekMs = 300;

async function run(rng: Random, c: Case): Promise<Outcome> {
  const init = hostileRequest(rng, c.method.input);
  const path = `/${c.method.parent.typeName}/${c.method.name}`;
  if (c.protocol === "grpc") {
    const { bytes, undecodable } = c.form === "raw" ? mutateBinary(rng, c.method.input, init) : { bytes: encode(c.method, init), undecodable: false };
    return { ...(await grpcCall(path, c.method, bytes, c.token)), undecodable };
  }
  if (c.form === "raw" && c.method.methodKind === "unary") return rawHttp(rng, c, init, path);
  const message = create(c.method.input, init);
  // Some generated values (a Timestamp past year 9999, NaN in an int64) have no JSON form: the
  // Connect client could not send them as JSON, so they go in binary.
  const protocol = c.protocol === "connect-json" && !hasJsonForm(c.method, message) ? "connect-binary" : c.protocol;
  const client = createClient(c.method.parent, transportOf(protocol, c.token)) as unknown as Record<string, (m: unknown, o: unknown) => unknown>;
  const call = client[c.method.localName]!;
  try {
    if (c.method.methodKind === "unary") {
      await (call(message, { timeoutMs: 30_000 }) as Promise<unknown>);
    } else {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), streamPeekMs);
      try {
        for await (const _ of call(message, { signal: abort.signal }) as AsyncIterable<unknown>) break;
      } finally {
        clearTimeout(timer);
      }
    }
    return { code: "ok", undecodable: false };
  } catch (err) {
    const e = ConnectError.from(err);
    // Our own peek ending the stream.
    if (e.code === Code.Canceled && c.method.methodKind === "server_streaming") return { code: "ok", undecodable: false };
    return { code: Code[e.code], undecodable: false };
  }
}

function hasJsonForm(method: DescMethod, message: unknown): boolean {
  try {
    toJsonString(method.input, message as never);
    return true;
  } catch {
    return false;
  }
}

function encode(method: DescMethod, init: Record<string, unknown>): Uint8Array {
  return toBinary(method.input, create(method.input, init));
}

/** Bytes no client library sends, over plain HTTP/1.1: broken JSON, broken protobuf, broken envelopes. */
async function rawHttp(rng: Random, c: Case, init: Record<string, unknown>, path: string): Promise<Outcome> {
  const headers: Record<string, string> = c.token === undefined ? {} : { authorization: `Bearer ${c.token}` };
  let body: Uint8Array | string;
  let undecodable = false;
  if (c.protocol === "connect-json") {
    headers["content-type"] = "application/json";
    let valid = "{}";
    try {
      valid = toJsonString(c.method.input, create(c.method.input, init));
    } catch {
      // Some generated values (NaN in an int64...) have no JSON form; the mutation starts from {}.
    }
    body = mutateJson(rng, valid);
  } else {
    const mutated = mutateBinary(rng, c.method.input, init);
    undecodable = mutated.undecodable;
    if (c.protocol === "connect-binary") {
      headers["content-type"] = "application/proto";
      body = mutated.bytes;
    } else {
      headers["content-type"] = "application/grpc-web+proto";
      headers["x-grpc-web"] = "1";
      const head = Buffer.alloc(5);
      head.writeUInt32BE(mutated.bytes.length, 1);
      body = Buffer.concat([head, mutated.bytes]);
    }
  }
  const send = () => fetch(server.url + path, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) });
  // fetch may reuse a keep-alive connection the server is closing as idle at that moment (a race
  // of HTTP/1.1 keep-alive, seen under load): that one attempt is made again, once.
  const res = await send().catch((err: unknown) => {
    if ((err as { cause?: { code?: string } }).cause?.code === "ECONNRESET") return send();
    throw err;
  });
  const text = Buffer.from(await res.arrayBuffer()).toString("latin1");
  if (c.protocol === "grpc-web") {
    const status = res.headers.get("grpc-status") ?? /grpc-status: ?(\d+)/.exec(text)?.[1];
    const code = status === undefined || status === null ? `http ${res.status}` : status === "0" ? "ok" : (Code[Number(status)] ?? status);
    return { code, httpStatus: res.status, undecodable };
  }
  if (res.status === 200) return { code: "ok", httpStatus: 200, undecodable };
  let code = `http ${res.status}`;
  try {
    code = String((JSON.parse(text) as { code?: string }).code ?? code);
  } catch {
    // Not a Connect error body: the HTTP status stands.
  }
  return { code: toCodeName(code), httpStatus: res.status, undecodable };
}

/** Connect's snake_case code names as Code's names. */
const toCodeName = (code: string) => (code.startsWith("http ") ? code : code.replace(/(^|_)([a-z])/g, (_, __, ch: string) => ch.toUpperCase()));

function grpcCall(path: string, method: DescMethod, bytes: Uint8Array, token: string | undefined): Promise<{ code: string }> {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  const client = grpcClientOf();
  const serialize = () => Buffer.from(bytes);
  const deserialize = (b: Buffer) => b;
  const name = (code: number) => (code === grpc.status.OK ? "ok" : Code[code] ?? String(code));
  return new Promise((resolve) => {
    if (method.methodKind === "unary") {
      client.makeUnaryRequest(path, serialize, deserialize, null, metadata, { deadline: Date.now() + 30_000 }, (err) => resolve({ code: err ? name(err.code) : "ok" }));
      return;
    }
    const stream = client.makeServerStreamRequest(path, serialize, deserialize, null, metadata, {});
    const timer = setTimeout(() => stream.cancel(), streamPeekMs);
    stream.on("data", () => stream.cancel());
    stream.on("error", (err: grpc.ServiceError) => {
      clearTimeout(timer);
      resolve({ code: err.code === grpc.status.CANCELLED ? "ok" : name(err.code) });
    });
    stream.on("end", () => {
      clearTimeout(timer);
      resolve({ code: "ok" });
    });
  });
}

/** What no client's mistake may get. */
function isServerFault(o: Outcome): boolean {
  if (o.code === "Internal") return !o.undecodable;
  if (o.httpStatus !== undefined && o.httpStatus >= 500 && !(o.undecodable && o.code === "Internal")) return true;
  return ["Unknown", "Unavailable", "DataLoss"].includes(o.code) || o.code.startsWith("http 5");
}

describe("hostile input", () => {
  it(`${requests} generated and mutated requests (seed ${seed}): the server stays healthy, answers each with a client's code and changes no user-owned object it refused`, async () => {
    const rng = createRandom(seed);
    const before = await settledDump();
    // The guarded objects: the embedded defaults and this suite's own.
    expect([...before.keys()]).toEqual(expect.arrayContaining(["Organization//acme", "Project/acme/keep-shop", "Component/acme/keep-api", "DeploymentPipeline/default/default"]));
    const faults: string[] = [];
    const codes = new Map<string, number>();
    for (let start = 0; start < requests; start += batchSize) {
      const cases = Array.from({ length: Math.min(batchSize, requests - start) }, (_, i) => caseOf(rng, start + i));
      // Each case draws its message from its own generator, so a run is the same whatever the interleaving.
      const seeds = cases.map(() => rng.int(2 ** 31));
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < cases.length) {
            const i = next++;
            const c = cases[i]!;
            const outcome = await run(createRandom(seeds[i]!), c).catch((err: unknown) => ({ code: `client error: ${(err as Error).message} ${String((err as { cause?: Error }).cause?.message ?? "")}`, undecodable: false }) as Outcome);
            codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
            if (isServerFault(outcome) || outcome.code.startsWith("client error")) {
              faults.push(`#${c.n} ${c.protocol} ${c.form} ${c.method.parent.name}.${c.method.name} token=${c.token === admin ? "admin" : String(c.token)}: ${outcome.code}${outcome.httpStatus ? ` (HTTP ${outcome.httpStatus})` : ""}`);
            }
          }
        }),
      );
      expect(await healthy(), `seed ${seed}: the server stopped answering health checks after request #${start + cases.length - 1}`).toBe(true);
    }
    const unexpected = serverErrors.map((l) => `${String(l.rpc)}: ${String((l.err as { message?: string } | undefined)?.message)}`);
    expect(faults, `seed ${seed} (CHOREO_HOSTILE_SEED=${seed} reproduces); codes seen: ${JSON.stringify(Object.fromEntries(codes))}; the server logged: ${JSON.stringify(unexpected)}`).toEqual([]);
    expect(unexpected, `seed ${seed}: errors the server logged as its own`).toEqual([]);
    const after = await dump();
    const changed = [...before].filter(([key, value]) => after.get(key) !== value).map(([key]) => key);
    expect(changed, `seed ${seed}: user-owned objects changed or deleted`).toEqual([]);
  }, 600_000);
});

describe("oversize agent messages", () => {
  it("an agent message over the agent limit, and one over the server's, end that stream with resource_exhausted; the server goes on", async () => {
    const dataPlanes = createClient(DataPlaneService, createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors: [bearer(admin)] }));
    const { credential } = await dataPlanes.registerDataPlane({ namespace: "default", name: "default", replace: true });
    for (const size of [agentMaxMessageBytes * 2, 9 * 1024 * 1024]) {
      const agent = createClient(PlaneAgentService, createConnectTransport({ baseUrl: server.url, httpVersion: "2", useBinaryFormat: true, interceptors: [bearer(credential)], writeMaxBytes: 64 * 1024 * 1024 }));
      async function* messages() {
        yield create(ConnectRequestSchema, { message: { case: "hello", value: { planeName: "default", planeKind: "DataPlane", agentVersion: "hostile" } } });
        yield create(ConnectRequestSchema, { message: { case: "log", value: { buildId: "default/x", step: "build", data: new Uint8Array(size).fill(0x79) } } });
        await new Promise((resolve) => setTimeout(resolve, 10_000));
      }
      const err = await (async () => {
        for await (const _ of agent.connect(messages(), { timeoutMs: 20_000 })) {
          // Welcome and whatever follows: the refusal comes after.
        }
      })().then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(err?.code, `a ${size}-byte agent message`).toBe(Code.ResourceExhausted);
      expect(await healthy()).toBe(true);
    }
  }, 120_000);
});
