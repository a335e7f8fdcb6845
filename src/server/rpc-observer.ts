import { performance } from "node:perf_hooks";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor } from "@connectrpc/connect";
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
  return (next) => async (req) => {
    const start = performance.now();
    const service = req.service.typeName;
    const method = req.method.name;
    metrics.started(service, method);
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      const code = err === undefined ? "ok" : codeToString(ConnectError.from(err).code);
      const ms = performance.now() - start;
      metrics.finished(service, method, code, ms / 1000);
      const serverFault = code === "internal" || code === "unknown" || code === "data_loss";
      logger[serverFault ? "warn" : "info"](
        {
          reqId: req.contextValues.get(requestIdKey),
          rpc: `${service}/${method}`,
          protocol: protocolOf(req.header.get("content-type")),
          code,
          ms: Math.round(ms * 10) / 10,
        },
        "rpc",
      );
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        finish();
        return res;
      }
      return { ...res, message: observeStream(res.message, finish) };
    } catch (err) {
      finish(err);
      throw err;
    }
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
