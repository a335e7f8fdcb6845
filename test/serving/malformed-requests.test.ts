// Requests no conforming client sends: each gets the code the protocols define, and the server
// stays up and answers the next call.
import * as http2 from "node:http2";
import * as net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServer } from "./support/start-test-server.js";
import type { TestServer } from "./support/start-test-server.js";

const maxMessageBytes = 64 * 1024;
const check = "/grpc.health.v1.Health/Check";

let server: TestServer;
let consoleError: ReturnType<typeof vi.spyOn>;
beforeAll(async () => {
  server = await startTestServer({ maxMessageBytes });
  consoleError = vi.spyOn(console, "error");
});
afterEach(async () => {
  // Still up, still answering.
  const res = await post(check, "application/json", "{}");
  expect(res.status).toBe(200);
});
afterAll(async () => {
  // connect-node reports handler crashes on console.error: there must be none.
  expect(consoleError).not.toHaveBeenCalled();
  await server.close();
});

/** HTTP/1.1 POST (Node's fetch speaks HTTP/1.1). */
async function post(path: string, contentType: string, body: string | Uint8Array, method = "POST") {
  const res = await fetch(server.url + path, { method, headers: { "content-type": contentType }, body: method === "GET" ? null : body });
  return { status: res.status, text: await res.text() };
}

/** One HTTP/2 request: status, headers, trailers and body. */
async function h2(path: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array) {
  const session = http2.connect(server.url);
  try {
    return await new Promise<{ status: number; headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        const req = session.request({ ":method": "POST", ":path": path, ...headers });
        let resHeaders: http2.IncomingHttpHeaders = {};
        let trailers: http2.IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        req.on("response", (h) => (resHeaders = h));
        req.on("trailers", (t) => (trailers = t));
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => resolve({ status: Number(resHeaders[":status"]), headers: resHeaders, trailers, body: Buffer.concat(chunks) }));
        req.on("error", reject);
        req.end(body);
      },
    );
  } finally {
    session.close();
  }
}

/** A gRPC length-prefixed message that claims `length` bytes. */
function envelope(payload: Uint8Array, length = payload.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, payload]);
}

/** gRPC reports in trailers, or in headers for a trailers-only response. */
const grpcStatus = (r: { headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders }) =>
  Number(r.trailers["grpc-status"] ?? r.headers["grpc-status"]);

const garbage = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]);
const grpcHeaders = { "content-type": "application/grpc", te: "trailers" };

describe("malformed requests", () => {
  // Undecodable protobuf is Internal in connect-es and grpc-go alike ("error unmarshalling request").
  it("garbage protobuf over Connect: internal, HTTP 500", async () => {
    const res = await post(check, "application/proto", garbage);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toMatchObject({ code: "internal", message: expect.stringMatching(/^parse binary/) });
  });

  it("garbage protobuf over gRPC: INTERNAL (13)", async () => {
    expect(grpcStatus(await h2(check, grpcHeaders, envelope(garbage)))).toBe(13);
  });

  it.each([
    ["truncated", '{"service": '],
    ["mistyped", '{"service": 5}'],
    ["not an object", "[]"],
  ])("%s JSON: invalid_argument, HTTP 400", async (_, body) => {
    const res = await post(check, "application/json", body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: "invalid_argument" });
  });

  it.each(["text/plain", "application/xml", "application/grpc+xml"])("content-type %s: 415 Unsupported Media Type", async (type) => {
    expect((await post(check, type, "{}")).status).toBe(415);
  });

  it("a message over CHOREO_MAX_MESSAGE_BYTES over Connect: resource_exhausted, HTTP 429", async () => {
    const res = await post(check, "application/json", JSON.stringify({ service: "x".repeat(maxMessageBytes) }));
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text)).toMatchObject({ code: "resource_exhausted" });
  });

  it("a message over CHOREO_MAX_MESSAGE_BYTES over gRPC: RESOURCE_EXHAUSTED (8), refused from its length prefix", async () => {
    const res = await h2(check, grpcHeaders, envelope(garbage, maxMessageBytes + 1));
    expect(grpcStatus(res)).toBe(8);
  });

  it("a gRPC message cut short by the end of the stream: INVALID_ARGUMENT (3), not a hang", async () => {
    expect(grpcStatus(await h2(check, grpcHeaders, envelope(garbage, 100)))).toBe(3);
  });

  it("a gzip-compressed request (the server accepts none): UNIMPLEMENTED (12)", async () => {
    const res = await h2(check, { ...grpcHeaders, "grpc-encoding": "gzip" }, envelope(new Uint8Array(), 0));
    expect(grpcStatus(res)).toBe(12);
  });

  it.each([
    ["an unknown service", "/no.such.Service/Method"],
    ["an unknown method", "/grpc.health.v1.Health/Nope"],
    ["a path that is no procedure", "/"],
  ])("%s: 404", async (_, path) => {
    expect((await post(path, "application/json", "{}")).status).toBe(404);
  });

  it("GET on a method that has side effects: 405", async () => {
    expect((await post(check, "application/json", "", "GET")).status).toBe(405);
  });

  it("bytes that are not HTTP at all: 400 and the connection closed", async () => {
    const reply = await rawExchange("hello there\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });

  it("an HTTP/2 preface followed by garbage: the connection closed", async () => {
    const reply = await rawExchange("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\x00\x00\x05\xff\x00junk!");
    // The server's own SETTINGS and a GOAWAY, then close: some bytes, and no hang.
    expect(reply.length).toBeGreaterThan(0);
  });
});

/** Writes raw bytes, returns everything the server sends until it closes the connection. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: server.port, host: "127.0.0.1" });
    let reply = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => (reply += d));
    socket.on("close", () => resolve(reply));
    socket.on("error", reject);
    socket.write(bytes, "latin1");
  });
}
