import { performance } from "node:perf_hooks";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor, StreamRequest, StreamResponse, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { requestIdKey } from "./request-id.js";
import type { RpcMetrics } from "./rpc-metrics.js";

/**
 * Logs one line per RPC (with its request id) and records its metrics, when it ends: for streams that
 * is when the response stream ends, fails or is cancelled. It sits outside the error boundary, so it
 * sees the code the client gets.
 */
export function createRpcObserver(deps: { logger: Logger; metrics: RpcMetrics }): Interceptor {
  const { logger, metrics } = deps;
  const record = (req: UnaryRequest | StreamRequest, start: number, err?: unknown) => {
    const code = err === undefined ? "ok" : codeToString(ConnectError.from(err).code);
    const ms = performance.now() - start;
    metrics.finished(req.service.typeName, req.method.name, code, ms / 1000);
    const level = code === "internal" || code === "unknown" || code === "data_loss" ? "warn" : "info";
    // The line is only built when it is written (the default level writes it; a busy server may not).
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        reqId: req.contextValues.get(requestIdKey),
        rpc: `${req.service.typeName}/${req.method.name}`,
        protocol: protocolOf(req.header.get("content-type")),
        code,
        ms: Math.round(ms * 10) / 10,
      },
      "rpc",
    );
  };
  const observe = (req: UnaryRequest | StreamRequest, start: number, res: UnaryResponse | StreamResponse) => {
    if (!res.stream) {
      record(req, start);
      return res;
    }
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      record(req, start, err);
    };
    return { ...res, message: observeStream(res.message, finish) };
  };
  // Not an async function: one promise per call instead of two.
  return (next) => (req) => {
    const start = performance.now();
    metrics.started(req.service.typeName, req.method.name);
    const failed = (err: unknown) => {
      record(req, start, err);
      throw err;
    };
    let answer;
    try {
      answer = next(req);
    } catch (err) {
      return Promise.reject(err).catch(failed);
    }
    return answer.then((res) => observe(req, start, res), failed);
  };
}

async function* observeStream<T>(messages: AsyncIterable<T>, finish: (err?: unknown) => void): AsyncIterable<T> {
  try {
    yield* messages;
    finish();
  } catch (err) {
    finish(err);
    throw err;
  } finally {
    // Reached without finish() only when the consumer stopped early: the client went away.
    finish(new ConnectError("client went away", Code.Canceled));
  }
}

function protocolOf(contentType: string | null): string {
  if (contentType?.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType?.startsWith("application/grpc")) return "grpc";
  return "connect";
}
