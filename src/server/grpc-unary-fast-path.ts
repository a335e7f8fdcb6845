import type * as http from "node:http";
import type * as http2 from "node:http2";
import { fromBinary, toBinary, type DescMethodUnary, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Interceptor, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { CallAbort, callAbortKey } from "./call-abort.js";
import { LazyHeaders } from "./lazy-headers.js";

/** A unary method the fast path answers itself. */
export interface FastUnaryMethod {
  readonly method: DescMethodUnary;
  /** The response; fields already encoded may ride as unknown fields, which toBinary copies. */
  run(request: Message, context: FastCallContext): Promise<Message>;
}

export interface FastCallContext {
  /** What the interceptors put there (the principal). */
  readonly values: ContextValues;
  readonly signal: AbortSignal;
}

export interface GrpcUnaryFastPathOptions {
  readonly methods: readonly FastUnaryMethod[];
  /** The interceptors every Connect call passes (outermost first): the same guard, audit, limits, metrics. */
  readonly interceptors: readonly Interceptor[];
  readonly maxMessageBytes: number;
  /** Aborting it aborts the signal of every call in flight. */
  readonly shutdownSignal: AbortSignal;
}

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
/** Whatever the HTTP/1.1 or HTTP/2 server passes; only an HTTP/2 one is ever taken. */
type NodeResponse = object;

/** Takes the request and answers it (true), or leaves it to Connect (false). */
export type GrpcUnaryFastPath = (req: NodeRequest, res: NodeResponse, values: ContextValues) => boolean;

const contentType = "application/grpc+proto";
const envelopeHeaderBytes = 5;
const compressedFlag = 0b1;
// Timers cannot wait longer; a deadline beyond it is no deadline in practice.
const longestTimerMs = 2 ** 31 - 1;

/**
 * Native gRPC (application/grpc over HTTP/2, no compression) for a few unary methods, on the same
 * HTTP/2 server as Connect: where Connect's generic pipeline (async iterables, a message built and
 * encoded per call) costs several times the work of a read, this one reads one envelope, runs the
 * same interceptors Connect runs (so guard, audit, rate limits, deadlines and metrics hold as on
 * every path) around the method, and writes one envelope and the status trailers. It answers as
 * connect-node does, code for code: framing errors, grpc-timeout, grpc-message percent-encoded,
 * grpc-status-details-bin, message size limits. Anything else (other methods, streams, Connect,
 * gRPC-Web, JSON, a compressed request) is left to Connect.
 */
export function createGrpcUnaryFastPath(options: GrpcUnaryFastPathOptions): GrpcUnaryFastPath {
  const { maxMessageBytes, shutdownSignal } = options;
  const inFlight = new Set<CallAbort>();
  shutdownSignal.addEventListener("abort", () => {
    for (const call of inFlight) call.abort(shutdownSignal.reason);
  });
  const byPath = new Map(
    options.methods.map((entry) => {
      const { method } = entry;
      const terminal = (req: UnaryRequest): Promise<UnaryResponse> =>
        entry
          .run(req.message, {
            values: req.contextValues,
            get signal() {
              return req.signal;
            },
          })
          .then((message) => ({ stream: false, service: method.parent, method, header: new LazyHeaders().asHeaders(), trailer: new LazyHeaders().asHeaders(), message }));
      // As Connect applies them: the first is outermost.
      const call = options.interceptors.reduceRight((next, interceptor) => interceptor(next as never) as never, terminal) as (req: UnaryRequest) => Promise<UnaryResponse>;
      return [`/${method.parent.typeName}/${method.name}`, { method, call }] as const;
    }),
  );

  const serve = (route: { method: DescMethodUnary; call: (req: UnaryRequest) => Promise<UnaryResponse> }, req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, values: ContextValues) => {
    // The body is read from the HTTP/2 stream itself: the compatibility layer's request is a second
    // Readable that would copy every chunk through its own buffer and events.
    const stream = req.stream;
    // The call's signal is made only if something reads it (no handler of a cached read does).
    const abort = new CallAbort();
    values.set(callAbortKey, abort);
    let deadline: NodeJS.Timeout | undefined;
    let answered = false;
    const settle = () => {
      answered = true;
      inFlight.delete(abort);
      if (deadline) clearTimeout(deadline);
    };
    const fail = (err: unknown) => {
      if (answered) return;
      settle();
      const error = err instanceof ConnectError ? err : new ConnectError("internal error", Code.Internal, undefined, undefined, err);
      if (!open(res)) return;
      send(res, {}, plain(setTrailerStatus(new Headers(), error)));
    };
    const answer = (response: UnaryResponse) => {
      if (answered) return;
      const bytes = toBinary(route.method.output, response.message);
      if (bytes.length > maxMessageBytes) {
        fail(new ConnectError(`message size ${bytes.length} is larger than configured writeMaxBytes ${maxMessageBytes}`, Code.ResourceExhausted));
        return;
      }
      settle();
      if (!open(res)) return;
      const frame = Buffer.allocUnsafe(envelopeHeaderBytes + bytes.length);
      frame[0] = 0;
      frame.writeUInt32BE(bytes.length, 1);
      frame.set(bytes, envelopeHeaderBytes);
      send(res, plain(response.header), { ...plain(response.trailer), "grpc-status": "0" }, frame);
    };

    inFlight.add(abort);
    if (shutdownSignal.aborted) abort.abort(shutdownSignal.reason);
    stream.once("close", () => {
      if (!answered) abort.abort(new ConnectError("the client cancelled the call", Code.Canceled));
      settle();
    });
    const timeout = parseTimeout(header(req, "grpc-timeout"), Number.MAX_SAFE_INTEGER);
    if (timeout.timeoutMs !== undefined && !timeout.error) {
      deadline = setTimeout(() => abort.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)), Math.min(timeout.timeoutMs, longestTimerMs));
    }

    const chunks: Buffer[] = [];
    let received = 0;
    let sizeChecked = false;
    stream.on("data", (chunk: Buffer) => {
      if (answered) return;
      chunks.push(chunk);
      received += chunk.length;
      // The envelope says how long its message is: refuse an oversized one before it all arrives.
      if (!sizeChecked && received >= envelopeHeaderBytes) {
        sizeChecked = true;
        const length = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).readUInt32BE(1);
        if (length > maxMessageBytes) fail(new ConnectError(`message size ${length} is larger than configured readMaxBytes ${maxMessageBytes}`, Code.ResourceExhausted));
      }
      // More than one envelope's worth: a unary call has one message.
      if (received > maxMessageBytes + 2 * envelopeHeaderBytes) fail(new ConnectError(`message size is larger than configured readMaxBytes ${maxMessageBytes}`, Code.ResourceExhausted));
    });
    stream.once("end", () => {
      if (answered) return;
      try {
        if (timeout.error) throw timeout.error;
        const message = readEnvelope(route.method, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        const request: UnaryRequest = {
          stream: false,
          service: route.method.parent,
          method: route.method,
          requestMethod: "POST",
          url: `http://${header(req, ":authority") ?? "localhost"}${req.url}`,
          get signal() {
            return abort.signal;
          },
          header: new LazyHeaders(req.headers).asHeaders(),
          contextValues: values,
          message,
        };
        route.call(request).then(answer, fail);
      } catch (err) {
        fail(err);
      }
    });
    stream.once("error", fail);
  };

  return (req, res, values) => {
    if (req.httpVersionMajor !== 2 || req.method !== "POST") return false;
    const route = byPath.get(req.url as `/${string}/${string}`);
    if (!route) return false;
    const type = req.headers["content-type"];
    if (type !== "application/grpc" && type !== contentType) return false;
    const encoding = req.headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    serve(route, req as http2.Http2ServerRequest, res as unknown as http2.Http2ServerResponse, values);
    return true;
  };
}

/** The one request message of a unary call, with connect-node's errors for a malformed body. */
function readEnvelope(method: DescMethodUnary, body: Buffer): Message {
  if (body.length === 0) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  if (body.length < envelopeHeaderBytes) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  const length = body.readUInt32BE(1);
  const end = envelopeHeaderBytes + length;
  if (body.length < end) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if (body.length > end) throw new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented);
  if ((body[0]! & compressedFlag) === compressedFlag) throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
  try {
    return fromBinary(method.input, body.subarray(envelopeHeaderBytes, end));
  } catch (err) {
    throw new ConnectError(`parse binary: ${err instanceof Error ? err.message : String(err)}`, Code.Internal);
  }
}

const open = (res: http2.Http2ServerResponse) => !res.writableEnded && !res.headersSent && !res.stream.destroyed;

/**
 * Headers (with those set on the response before, x-request-id), the message if any, then the
 * trailers, which the compatibility layer sends when the stream asks for them.
 */
function send(res: http2.Http2ServerResponse, headers: Record<string, string>, trailers: Record<string, string>, frame?: Buffer): void {
  res.addTrailers(trailers);
  // getHeaders() hands out a copy of its own.
  const head: http2.OutgoingHttpHeaders = Object.assign(res.getHeaders(), headers);
  head[":status"] = 200;
  head["content-type"] = contentType;
  res.stream.respond(head, { waitForTrailers: true });
  res.stream.end(frame);
}

function header(req: http2.Http2ServerRequest, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

function plain(headers: Headers): Record<string, string> {
  if (headers instanceof LazyHeaders) return headers.toRecord();
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}
