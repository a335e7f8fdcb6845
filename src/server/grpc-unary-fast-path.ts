import type * as http from "node:http";
import type * as http2 from "node:http2";
import { fromBinary, toBinary, type DescMethodUnary, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Interceptor, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { CallAbort, callAbortKey } from "./call-abort.js";

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
      const terminal = async (req: UnaryRequest): Promise<UnaryResponse> => ({
        stream: false,
        service: method.parent,
        method,
        header: new Headers(),
        trailer: new Headers(),
        message: await entry.run(req.message, {
          values: req.contextValues,
          get signal() {
            return req.signal;
          },
        }),
      });
      // As Connect applies them: the first is outermost.
      const call = options.interceptors.reduceRight((next, interceptor) => interceptor(next as never) as never, terminal) as (req: UnaryRequest) => Promise<UnaryResponse>;
      return [`/${method.parent.typeName}/${method.name}`, { method, call }] as const;
    }),
  );

  const serve = (route: { method: DescMethodUnary; call: (req: UnaryRequest) => Promise<UnaryResponse> }, req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, values: ContextValues) => {
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
    res.once("close", () => {
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
    req.on("data", (chunk: Buffer) => {
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
    req.once("end", () => {
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
          header: new NodeRequestHeaders(req.headers) as unknown as Headers,
          contextValues: values,
          message,
        };
        route.call(request).then(answer, fail);
      } catch (err) {
        fail(err);
      }
    });
    req.once("error", fail);
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
  res.stream.respond({ ...res.getHeaders(), ...headers, ":status": 200, "content-type": contentType }, { waitForTrailers: true });
  res.stream.end(frame);
}

function header(req: http2.Http2ServerRequest, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

/** Headers' methods, which the DOM typings declare as properties a subclass cannot override. */
interface HeadersMethods {
  get(name: string): string | null;
  has(name: string): boolean;
  forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  delete(name: string): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
}
const HeadersBase = Headers as unknown as new () => HeadersMethods;

/**
 * The request's metadata as Connect's interceptors see it (pseudo-headers left out): a Headers that
 * reads Node's header object until something changes it, since filling a fetch Headers per call
 * cost more than the read it serves.
 */
class NodeRequestHeaders extends HeadersBase {
  #raw: http2.IncomingHttpHeaders | undefined;

  constructor(raw: http2.IncomingHttpHeaders) {
    super();
    this.#raw = raw;
  }

  override get(name: string): string | null {
    if (!this.#raw) return super.get(name);
    const key = name.toLowerCase();
    const value = key.startsWith(":") ? undefined : this.#raw[key];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }

  override has(name: string): boolean {
    return this.get(name) !== null;
  }

  override forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#copied();
    super.forEach(callback, thisArg);
  }

  override set(name: string, value: string): void {
    this.#copied();
    super.set(name, value);
  }

  override append(name: string, value: string): void {
    this.#copied();
    super.append(name, value);
  }

  override delete(name: string): void {
    this.#copied();
    super.delete(name);
  }

  override entries(): IterableIterator<[string, string]> {
    this.#copied();
    return super.entries();
  }

  override keys(): IterableIterator<string> {
    this.#copied();
    return super.keys();
  }

  override values(): IterableIterator<string> {
    this.#copied();
    return super.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** From here on the Headers itself holds them. */
  #copied(): void {
    const raw = this.#raw;
    if (!raw) return;
    this.#raw = undefined;
    for (const [name, value] of Object.entries(raw)) {
      if (name.startsWith(":") || value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) super.append(name, v);
      else super.set(name, value);
    }
  }
}

function plain(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}
