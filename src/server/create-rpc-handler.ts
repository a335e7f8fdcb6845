import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { createCors } from "./create-cors.js";
import type { GrpcUnaryFastPath } from "./grpc-unary-fast-path.js";
import { peerAddressKey } from "./peer-address.js";
import { requestIdHeader, requestIdKey, resolveRequestId } from "./request-id.js";
import { isPermissionDeniedError, isUnauthenticatedError } from "../errors/index.js";

function nodeHeaders(raw: NodeRequest["headers"]): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return headers;
}

type NodeHandler = ReturnType<typeof connectNodeAdapter>;
type NodeRequest = Parameters<NodeHandler>[0];

export interface RpcHandlerOptions {
  readonly routes: (router: ConnectRouter) => void;
  /** Outermost first. */
  readonly interceptors: Interceptor[];
  readonly maxMessageBytes: number;
  /** Aborting it aborts every handler's signal: streams end. */
  readonly shutdownSignal: AbortSignal;
  /** Served as Prometheus text at GET /metrics. */
  readonly metrics: Registry;
  readonly logger: Logger;
  /** Origins whose browser code may call the API; empty for none. */
  readonly corsOrigins: readonly string[];
  /** Lets a GET /metrics through, or throws (UnauthenticatedError, PermissionDeniedError). */
  readonly authorizeMetrics?: (headers: Headers) => Promise<void>;
  /** Answers what no procedure or /metrics does (the web console), or returns false for a 404. */
  readonly serveOther?: (req: NodeRequest, res: Parameters<NodeHandler>[1]) => boolean;
  /** Answers the calls it takes (native gRPC reads) before Connect sees them; given the same context values. */
  readonly fastPath?: GrpcUnaryFastPath;
}

/**
 * The request listener shared by the HTTP/2 and HTTP/1.1 servers: Connect, gRPC and gRPC-Web for
 * every routed procedure, /metrics, and 404 for anything else. Every response carries x-request-id.
 */
export function createRpcHandler(opts: RpcHandlerOptions): NodeHandler {
  const requestIds = new WeakMap<NodeRequest, string>();
  const cors = createCors(opts.corsOrigins);
  const contextValuesOf = (req: NodeRequest, requestId = requestIds.get(req) ?? "") =>
    createContextValues()
      .set(requestIdKey, requestId)
      .set(peerAddressKey, remoteAddressOf(req));
  const rpc = connectNodeAdapter({
    routes: opts.routes,
    interceptors: opts.interceptors,
    readMaxBytes: opts.maxMessageBytes,
    writeMaxBytes: opts.maxMessageBytes,
    // Clients on a fast network gain little from gzip and the server pays for it in CPU; clients
    // that send compressed requests get unimplemented, as the protocols specify.
    acceptCompression: [],
    shutdownSignal: opts.shutdownSignal,
    contextValues: (req) => contextValuesOf(req),
    fallback(req, res) {
      const path = req.url?.split("?", 1)[0];
      if (path === "/metrics" && (req.method === "GET" || req.method === "HEAD")) {
        const authorized = opts.authorizeMetrics?.(nodeHeaders(req.headers)) ?? Promise.resolve();
        authorized.then(
          () => serveMetrics(),
          (err: unknown) => {
            const status = isUnauthenticatedError(err) ? 401 : isPermissionDeniedError(err) ? 403 : 500;
            if (status === 500) opts.logger.error({ err }, "authorizing /metrics failed");
            res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
            res.end(status === 500 ? "" : `${(err as Error).message}\n`);
          },
        );
        return;
      }
      function serveMetrics() {
        opts.metrics.metrics().then(
          (text) => {
            res.writeHead(200, { "content-type": opts.metrics.contentType });
            res.end(req.method === "HEAD" ? "" : text);
          },
          (err: unknown) => {
            opts.logger.error({ err }, "collecting metrics failed");
            res.writeHead(500);
            res.end();
          },
        );
      }
      if (opts.serveOther?.(req, res)) return;
      opts.logger.debug({ reqId: requestIds.get(req), method: req.method, path }, "no route");
      res.writeHead(404);
      res.end();
    },
  });

  return (req, res) => {
    const id = resolveRequestId(req.headers[requestIdHeader]);
    // Set before Connect writes its headers, which it merges with these: the id is on every
    // response, errors and 404s included.
    res.setHeader(requestIdHeader, id);
    if (cors(req, res)) return;
    if (opts.fastPath?.(req, res, contextValuesOf(req, id))) return;
    // Connect asks for the context values with the request alone.
    requestIds.set(req, id);
    rpc(req, res);
  };
}

/**
 * The client's address. An HTTP/2 request's `socket` is a proxy the compatibility layer makes per
 * request; the session's socket is made once per connection.
 */
function remoteAddressOf(req: NodeRequest): string {
  const session = "stream" in req ? req.stream.session : undefined;
  return (session ? session.socket?.remoteAddress : req.socket?.remoteAddress) ?? "";
}
