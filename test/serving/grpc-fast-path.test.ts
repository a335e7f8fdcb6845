// The native gRPC fast path for reads (Get and List of ResourceService and the typed services) on
// the real server: it answers what the Connect path answers, byte for byte once decoded, errors
// code for code with their details; a change is visible at once; an unchanged object is not read
// from the store again; refusals pass the same guard and are audited; a malformed body gets what
// connect-node answers for any other method. Watch streams share each change's encoding (binary
// clients get it pre-encoded): what they receive is what a JSON client receives.
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditResult, AuditService } from "../../gen/openchoreo/api/v1alpha1/audit_service_pb.js";
import { ComponentService, GetComponentRequestSchema, GetComponentResponseSchema, ListComponentsResponseSchema, WatchComponentsResponseSchema } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { ListProjectsResponseSchema, ProjectService } from "../../gen/openchoreo/api/v1alpha1/project_service_pb.js";
import { GetResponseSchema, ListResponseSchema, ResourceService, WatchResponseSchema } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { TokenService } from "../../gen/openchoreo/api/v1alpha1/token_service_pb.js";
import { startControlPlane, type ControlPlane } from "../../src/main/control-plane.js";
import { startServer, type RunningServer } from "../../src/main/index.js";
import type { ResourceStore } from "../../src/store/index.js";
import { adminTokenOf, bearer } from "../support/test-tokens.js";

const maxMessageBytes = 64 * 1024;
let dataDir: string;
let plane: ControlPlane;
let server: RunningServer;
let admin: string;
let viewer: string;
let storeGets = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "choreo-fast-path-"));
  const logger = pino({ level: "silent" });
  const metrics = new Registry();
  plane = await startControlPlane({ dataDir }, { logger, metrics });
  // Counts the API's reads of single objects, to see which Gets the cache answered.
  const store: ResourceStore = { ...plane.store, get: (schema, key) => (storeGets++, plane.store.get(schema, key)) } as ResourceStore;
  if (plane.store.onCommit) Object.assign(store, { onCommit: plane.store.onCommit.bind(plane.store) });
  server = await startServer({ host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes, shutdownGraceMs: 500, corsOrigins: [] }, { logger, metrics, resources: { ...plane, store } });
  admin = adminTokenOf(dataDir);
  const resources = clientOf(ResourceService, admin, "connect");
  await resources.apply({ manifests: ["acme", "globex"].map((org) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Organization\nmetadata: {name: ${org}}\n`).join("---\n") });
  await resources.apply({ manifests: ["acme", "globex"].map((org) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: shop, namespace: ${org}}\nspec: {deploymentPipelineRef: default-pipeline}\n`).join("---\n") });
  await resources.apply({ manifests: component("acme", 0) });
  viewer = (await clientOf(TokenService, admin, "connect").createToken({ name: "globex-viewer", organization: "globex", role: "viewer" })).token;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await plane?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const component = (namespace: string, round: number) =>
  `apiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata: {name: reader, namespace: ${namespace}, labels: {round: "${round}"}}\nspec: {owner: {projectName: shop}, type: Service}\n`;

/** gRPC over HTTP/2 (the fast path's), or Connect binary or JSON (connect-node's path), with a token. */
const transports: Record<"grpc" | "connect" | "connect-json", (token: string | undefined) => Transport> = {
  grpc: (token) => createGrpcTransport({ baseUrl: server.url, interceptors: token ? [bearer(token)] : [] }),
  connect: (token) => createConnectTransport({ baseUrl: server.url, httpVersion: "2", useBinaryFormat: true, interceptors: token ? [bearer(token)] : [] }),
  "connect-json": (token) => createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors: token ? [bearer(token)] : [] }),
};

function clientOf<S extends DescService>(service: S, token: string | undefined, transport: keyof typeof transports): Client<S> {
  return createClient(service, transports[transport](token));
}

async function errorOf(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(() => undefined, (e: unknown) => ConnectError.from(e));
  if (!err) throw new Error("expected the call to fail");
  return err;
}

/** What a caller can tell of an error: code, message, metadata a client acts on, and details. */
const describeError = (err: ConnectError) => ({ code: err.code, message: err.rawMessage, details: err.details.map((d) => ("desc" in d ? d.desc.typeName : d.type)) });

describe("the answers", () => {
  const reads: { name: string; schema: DescMessage; call: (transport: keyof typeof transports) => Promise<unknown> }[] = [
    { name: "ComponentService.GetComponent", schema: GetComponentResponseSchema, call: (t) => clientOf(ComponentService, admin, t).getComponent({ namespace: "acme", name: "reader" }) },
    { name: "ComponentService.ListComponents", schema: ListComponentsResponseSchema, call: (t) => clientOf(ComponentService, admin, t).listComponents({ namespace: "acme" }) },
    { name: "ProjectService.ListProjects (one of two pages)", schema: ListProjectsResponseSchema, call: (t) => clientOf(ProjectService, admin, t).listProjects({ namespace: "acme", pageSize: 1 }) },
    { name: "ResourceService.Get", schema: GetResponseSchema, call: (t) => clientOf(ResourceService, admin, t).get({ kind: "Component", namespace: "acme", name: "reader" }) },
    { name: "ResourceService.List, all namespaces", schema: ListResponseSchema, call: (t) => clientOf(ResourceService, admin, t).list({ kind: "Project", allNamespaces: true }) },
    { name: "ResourceService.List as a viewer of one organization", schema: ListResponseSchema, call: (t) => clientOf(ResourceService, viewer, t).list({ kind: "Project", allNamespaces: true }) },
  ];
  for (const read of reads) {
    it(`${read.name}: the same message over gRPC as over Connect`, async () => {
      // The controllers may still write between the two calls (a new store revision): then ask again.
      const hex = (message: unknown) => Buffer.from(toBinary(read.schema, message as never)).toString("hex");
      let answers: string[] = [];
      for (let attempt = 0; attempt < 30; attempt++) {
        answers = [hex(await read.call("grpc")), hex(await read.call("connect"))];
        if (answers[0] === answers[1]) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(answers[0]).toBe(answers[1]);
      expect(answers[0]!.length).toBeGreaterThan(40);
    });
  }

  it("shows only the caller's organization in a list across namespaces", async () => {
    const page = await clientOf(ResourceService, viewer, "grpc").list({ kind: "Project", allNamespaces: true });
    const namespaces = new Set(page.items.map((p) => (p.metadata as { namespace: string }).namespace));
    expect([...namespaces]).toEqual(["globex"]);
  });

  it("answers a Get with the new version as soon as a change is acknowledged, and reads an unchanged object from the store once", async () => {
    const components = clientOf(ComponentService, admin, "grpc");
    const resources = clientOf(ResourceService, admin, "connect");
    for (let round = 1; round <= 10; round++) {
      await resources.apply({ manifests: component("acme", round) });
      const { component: got } = await components.getComponent({ namespace: "acme", name: "reader" });
      expect(got?.metadata?.labels.round).toBe(String(round));
    }
    const before = storeGets;
    for (let i = 0; i < 20; i++) await components.getComponent({ namespace: "acme", name: "reader" });
    expect(storeGets - before).toBeLessThanOrEqual(1);
  });
});

describe("watch streams", () => {
  it("deliver the same events to binary clients (shared, pre-encoded objects) as to JSON clients, for ResourceService and a typed service", async () => {
    const { resourceVersion } = await clientOf(ResourceService, admin, "connect").list({ kind: "Component", namespace: "acme" });
    const abort = new AbortController();
    const round = "watched";
    const first = async <T>(events: AsyncIterable<T>, labelsOf: (event: T) => Record<string, string> | undefined): Promise<T> => {
      for await (const event of events) if (labelsOf(event)?.round === round) return event;
      throw new Error("the watch ended before the change arrived");
    };
    const generic = (e: { object?: unknown }) => (e.object as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels;
    const typed = (e: { component?: { metadata?: { labels: Record<string, string> } } }) => e.component?.metadata?.labels;
    const request = { namespace: "acme", resourceVersion };
    const arrivals = Promise.all([
      first(clientOf(ResourceService, admin, "grpc").watch({ kind: "Component", ...request }, { signal: abort.signal }), generic),
      first(clientOf(ResourceService, admin, "connect-json").watch({ kind: "Component", ...request }, { signal: abort.signal }), generic),
      first(clientOf(ComponentService, admin, "grpc").watchComponents(request, { signal: abort.signal }), typed),
      first(clientOf(ComponentService, admin, "connect-json").watchComponents(request, { signal: abort.signal }), typed),
    ]);
    await clientOf(ResourceService, admin, "connect").apply({ manifests: component("acme", 0).replace('round: "0"', `round: "${round}"`) });
    const [grpcGeneric, jsonGeneric, grpcTyped, jsonTyped] = await arrivals;
    abort.abort();
    const hex = (schema: DescMessage, message: unknown) => Buffer.from(toBinary(schema, message as never)).toString("hex");
    expect(hex(WatchResponseSchema, grpcGeneric)).toBe(hex(WatchResponseSchema, jsonGeneric));
    expect(hex(WatchComponentsResponseSchema, grpcTyped)).toBe(hex(WatchComponentsResponseSchema, jsonTyped));
    expect(typed(grpcTyped)?.round).toBe(round);
  });
});

describe("errors and refusals", () => {
  const failures: { name: string; call: (transport: keyof typeof transports) => Promise<unknown> }[] = [
    { name: "a missing object (not_found)", call: (t) => clientOf(ComponentService, admin, t).getComponent({ namespace: "acme", name: "nobody" }) },
    { name: "no kind (invalid_argument with a BadRequest)", call: (t) => clientOf(ResourceService, admin, t).get({ name: "reader" }) },
    { name: "an unknown kind", call: (t) => clientOf(ResourceService, admin, t).list({ kind: "Nonsense" }) },
    { name: "a bad label selector", call: (t) => clientOf(ComponentService, admin, t).listComponents({ namespace: "acme", labelSelector: "in in (" }) },
    { name: "a bad page token", call: (t) => clientOf(ProjectService, admin, t).listProjects({ namespace: "acme", pageToken: "nope" }) },
    { name: "no credential (unauthenticated)", call: (t) => clientOf(ComponentService, undefined, t).getComponent({ namespace: "acme", name: "reader" }) },
    { name: "another organization's object (permission_denied)", call: (t) => clientOf(ComponentService, viewer, t).getComponent({ namespace: "acme", name: "reader" }) },
  ];
  for (const failure of failures) {
    it(`${failure.name}: the same code, message and details over gRPC as over Connect`, async () => {
      const [fast, connect] = [await errorOf(failure.call("grpc")), await errorOf(failure.call("connect"))];
      expect(describeError(fast)).toEqual(describeError(connect));
    });
  }

  it("refuses a token's first read after it is revoked, though the token had just read many times", async () => {
    const { token } = await clientOf(TokenService, admin, "connect").createToken({ name: "revoked-reader", organization: "acme", role: "viewer" });
    const components = clientOf(ComponentService, token, "grpc");
    for (let i = 0; i < 5; i++) expect((await components.getComponent({ namespace: "acme", name: "reader" })).component?.metadata?.name).toBe("reader");
    await clientOf(TokenService, admin, "connect").revokeToken({ name: "revoked-reader" });
    expect(describeError(await errorOf(components.getComponent({ namespace: "acme", name: "reader" })))).toEqual({
      code: Code.Unauthenticated,
      message: "the credential is not valid (unknown, revoked, expired or malformed)",
      details: [],
    });
  });

  it("audits a refused read as the Connect path does", async () => {
    const requestId = (protocol: string) => `fast-path-denied-${protocol}`;
    for (const t of ["grpc", "connect"] as const) {
      await errorOf(clientOf(ComponentService, viewer, t).getComponent({ namespace: "acme", name: "reader" }, { headers: { "x-request-id": requestId(t) } }));
    }
    const records = (await clientOf(AuditService, admin, "connect").listAuditRecords({ result: AuditResult.DENIED, subject: "token:globex-viewer", pageSize: 100 })).records;
    const recordOf = (t: string) => records.filter((r) => r.requestId === requestId(t)).map((r) => ({ method: r.method, kind: r.kind, namespace: r.namespace, name: r.name, code: r.code, subject: r.subject }));
    expect(recordOf("grpc")).toEqual([{ method: "openchoreo.api.v1alpha1.ComponentService/GetComponent", kind: "Component", namespace: "acme", name: "reader", code: "permission_denied", subject: "token:globex-viewer" }]);
    expect(recordOf("grpc")).toEqual(recordOf("connect"));
  });
});

interface RawAnswer {
  readonly status: string | undefined;
  readonly message: string | undefined;
  readonly requestId: string | undefined;
  readonly messages: number;
}

/** One call with a hand-made body over HTTP/2: what the server answers in its headers and trailers. */
function rawCall(procedure: string, body: Buffer, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(server.url);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": `/${procedure}`, "content-type": "application/grpc", te: "trailers", authorization: `Bearer ${admin}`, ...headers });
    let head: http2.IncomingHttpHeaders = {};
    let received = 0;
    req.on("response", (h) => (head = h));
    req.on("data", (chunk: Buffer) => (received += chunk.length));
    req.on("trailers", (trailers) => (head = { ...head, ...trailers }));
    req.on("close", () => {
      session.close();
      const text = (name: string) => (typeof head[name] === "string" ? (head[name] as string) : undefined);
      resolve({ status: text("grpc-status"), message: text("grpc-message") && decodeURIComponent(text("grpc-message")!), requestId: text("x-request-id"), messages: received });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const envelope = (payload: Buffer, flags = 0, claimedLength = payload.length) => {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(claimedLength, 1);
  return Buffer.concat([head, payload]);
};

describe("the wire", () => {
  const request = Buffer.from(toBinary(GetComponentRequestSchema, create(GetComponentRequestSchema, { namespace: "acme", name: "reader" })));
  const fastProcedure = "openchoreo.api.v1alpha1.ComponentService/GetComponent";
  // A unary method Connect serves: the same framing rules apply before any handler runs.
  const connectProcedure = "openchoreo.api.v1alpha1.ComponentService/DeleteComponent";

  it("answers a well-formed call with one message, grpc-status 0 and the request id", async () => {
    const answer = await rawCall(fastProcedure, envelope(request), { "x-request-id": "raw-1" });
    expect(answer).toMatchObject({ status: "0", requestId: "raw-1" });
    expect(answer.messages).toBeGreaterThan(5);
  });

  const malformed: { name: string; body: Buffer; headers?: Record<string, string> }[] = [
    { name: "no message", body: Buffer.alloc(0) },
    { name: "a cut envelope header", body: Buffer.from([0, 0, 0]) },
    { name: "a message shorter than its envelope says", body: envelope(request, 0, request.length + 10) },
    { name: "two messages", body: Buffer.concat([envelope(request), envelope(request)]) },
    { name: "a compressed flag without an encoding", body: envelope(request, 1) },
    { name: "a message over the size limit", body: envelope(Buffer.alloc(16), 0, maxMessageBytes + 1) },
    { name: "bytes that are not protobuf", body: envelope(Buffer.from([0xff, 0xff, 0xff, 0xff])) },
    { name: "a malformed grpc-timeout", body: envelope(request), headers: { "grpc-timeout": "soon" } },
    { name: "a gzip-compressed request (left to Connect)", body: envelope(request, 1), headers: { "grpc-encoding": "gzip" } },
  ];
  for (const bad of malformed) {
    it(`${bad.name}: what connect-node answers`, async () => {
      const fast = await rawCall(fastProcedure, bad.body, bad.headers);
      const connect = await rawCall(connectProcedure, bad.body, bad.headers);
      expect(fast.status).not.toBe("0");
      expect({ status: fast.status, message: fast.message }).toEqual({ status: connect.status, message: connect.message });
    });
  }
});
