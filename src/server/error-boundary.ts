import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor, StreamRequest, UnaryRequest } from "@connectrpc/connect";
import type { Logger } from "pino";
import { requestIdKey } from "./request-id.js";
import { toConnectError } from "./to-connect-error.js";

/**
 * The one place errors become wire errors. Domain errors get their code; anything unexpected becomes
 * Internal with a generic message, its cause logged (never sent: it may hold internals). Streaming
 * responses are wrapped too, since their errors surface while the server iterates them.
 */
export function createErrorBoundary(logger: Logger): Interceptor {
  function toWire(err: unknown, req: UnaryRequest | StreamRequest): ConnectError {
    const known = toConnectError(err);
    if (known !== undefined) return known;
    logger.error(
      { err, reqId: req.contextValues.get(requestIdKey), rpc: `${req.service.typeName}/${req.method.name}` },
      "unexpected error in rpc",
    );
    return new ConnectError("internal error", Code.Internal);
  }

  // Not an async function: one promise per call instead of two.
  return (next) => (req) => {
    let answer;
    try {
      answer = next(req);
    } catch (err) {
      return Promise.reject(toWire(err, req));
    }
    return answer.then(
      (res) => (res.stream ? { ...res, message: mapStreamError(res.message, (err) => toWire(err, req)) } : res),
      (err: unknown) => {
        throw toWire(err, req);
      },
    );
  };
}

async function* mapStreamError<T>(messages: AsyncIterable<T>, map: (err: unknown) => Error): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    throw map(err);
  }
}
