import type { Interceptor } from "@connectrpc/connect";
import type { Guard } from "./guard.js";
import { principalKey } from "./principal.js";

/**
 * The guard on Connect's path (gRPC, gRPC-Web and Connect, HTTP/1.1 and HTTP/2): every call passes
 * it before its handler runs, with the principal put on the context. A stream also ends, with
 * unauthenticated, once its credential is revoked or expires.
 */
export function createGuardInterceptor(guard: Guard): Interceptor {
  return (next) => async (req) => {
    const procedure = `${req.service.typeName}/${req.method.name}`;
    if (guard.isOpen(procedure)) return next(req);
    if (!req.stream) {
      req.contextValues.set(principalKey, await guard.check({ procedure, headers: req.header, request: req.message }));
      return next(req);
    }
    // A server stream's one request is read here so its rule can see it, then handed on.
    let message = req.message;
    let request: unknown;
    if (req.method.methodKind === "server_streaming") {
      const it = req.message[Symbol.asyncIterator]();
      const first = await it.next();
      request = first.done ? undefined : first.value;
      message = (async function* () {
        if (!first.done) yield first.value;
        yield* { [Symbol.asyncIterator]: () => it };
      })();
    }
    const principal = await guard.check({ procedure, headers: req.header, request });
    req.contextValues.set(principalKey, principal);
    if (!principal) return next({ ...req, message });
    const lease = guard.lease({ procedure, headers: req.header }, principal);
    const signal = AbortSignal.any([req.signal, lease.signal]);
    let res;
    try {
      res = await next({ ...req, message, signal });
    } catch (err) {
      lease.release();
      throw err;
    }
    if (!res.stream) {
      lease.release();
      return res;
    }
    return { ...res, message: endOnRevoke(res.message, lease) };
  };
}

async function* endOnRevoke<T>(messages: AsyncIterable<T>, lease: { signal: AbortSignal; release(): void }): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (err) {
    if (lease.signal.aborted) throw lease.signal.reason;
    throw err;
  } finally {
    lease.release();
  }
  if (lease.signal.aborted) throw lease.signal.reason;
}
