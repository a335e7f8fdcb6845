import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor, StreamRequest, StreamResponse, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import type { DescMessage } from "@bufbuild/protobuf";
import { principalKey } from "../auth/index.js";
import { CallAbort, callAbortKey, onCallAbort } from "./call-abort.js";
import type { CallLimits, LimitedCall } from "./call-limits.js";
import { createDeadlineQueue, type DeadlineQueue } from "./deadline-queue.js";
import { peerAddressKey } from "./peer-address.js";

export interface LimitsInterceptorOptions {
  readonly limits: CallLimits;
  /** The longest a unary call may run before it is answered deadline_exceeded; 0 for no limit. */
  readonly requestTimeoutMs: number;
  /** The most items one List page holds: a page_size of 0 (all) or above it becomes this. */
  readonly maxPageSize: number;
}

/**
 * The limits on Connect's path, just inside the guard (it needs the principal the guard found): the
 * caller's rate, its streams and the server's watch streams, a deadline for unary calls, and the page
 * size of every List (any request with a `page_size` field).
 */
export function createLimitsInterceptor(options: LimitsInterceptorOptions): Interceptor {
  const { limits, requestTimeoutMs, maxPageSize } = options;
  const paged = new WeakMap<DescMessage, boolean>();
  const hasPageSize = (input: DescMessage) => {
    let has = paged.get(input);
    if (has === undefined) paged.set(input, (has = input.fields.some((f) => f.localName === "pageSize" && f.fieldKind === "scalar")));
    return has;
  };

  const deadlines = requestTimeoutMs > 0 ? createDeadlineQueue<CallAbort>(requestTimeoutMs, (call) => call.abort(new ConnectError(`the server's deadline of ${requestTimeoutMs} ms passed`, Code.DeadlineExceeded))) : undefined;

  const stream = async (next: Parameters<Interceptor>[0], req: StreamRequest, call: LimitedCall) => {
    const slot = limits.openStream(call);
    let res;
    try {
      res = await next(req);
    } catch (err) {
      slot.release();
      throw err;
    }
    if (!res.stream) {
      slot.release();
      return res;
    }
    return { ...res, message: releasing(res.message, slot) };
  };

  // Not an async function: a unary call's answer is handed on as it is, without a promise around it.
  return (next) => (req) => {
    const principal = req.contextValues.get(principalKey);
    const call: LimitedCall = {
      procedure: `${req.service.typeName}/${req.method.name}`,
      caller: principal?.subject ?? `peer:${req.contextValues.get(peerAddressKey)}`,
      agent: principal?.via === "plane",
      kind: req.method.methodKind === "unary" ? "unary" : req.method.methodKind === "server_streaming" ? "server_streaming" : "stream",
    };
    try {
      limits.admit(call);
    } catch (err) {
      return Promise.reject(err);
    }
    if (req.stream) return stream(next, req, call);
    if (hasPageSize(req.method.input)) {
      const message = req.message as unknown as { pageSize: number };
      if (message.pageSize === 0 || message.pageSize > maxPageSize) message.pageSize = maxPageSize;
    }
    return deadlines ? withDeadline(deadlines, req, next) : next(req);
  };
}

async function* releasing<T>(messages: AsyncIterable<T>, slot: { release(): void }): AsyncIterable<T> {
  try {
    yield* messages;
  } finally {
    slot.release();
  }
}

/**
 * Runs a unary handler with a deadline: when it passes (or the client's own deadline does), the call is
 * answered deadline_exceeded at once and the handler's signal aborts, whether or not it listens. The
 * handler's signal is made only if something reads it (an AbortController and its listeners were a
 * visible share of a cached read), and the caller's cancellation is heard through onCallAbort.
 */
function withDeadline(deadlines: DeadlineQueue<CallAbort>, req: UnaryRequest, next: (req: UnaryRequest) => Promise<UnaryResponse | StreamResponse>): Promise<UnaryResponse | StreamResponse> {
  const call = new CallAbort();
  const unfollow = onCallAbort(req, (reason) => call.abort(reason));
  // What runs inside hears this call's cancellation, the deadline included.
  req.contextValues.set(callAbortKey, call);
  deadlines.add(call);
  return new Promise((resolve, reject) => {
    const stop = call.onAbort((reason) => reject(reason instanceof ConnectError ? reason : new ConnectError("the call was cancelled", Code.Canceled)));
    const done = () => {
      deadlines.remove(call);
      unfollow();
      stop();
    };
    const inner: UnaryRequest = {
      stream: false,
      service: req.service,
      method: req.method,
      requestMethod: req.requestMethod,
      url: req.url,
      header: req.header,
      contextValues: req.contextValues,
      message: req.message,
      get signal() {
        return call.signal;
      },
    };
    // Whichever comes first answers; a later result of the handler is dropped.
    settledOf(next, inner).then(
      (res) => (done(), resolve(res)),
      (err: unknown) => (done(), reject(err)),
    );
  });
}

/** What `next` answers, a throw included, as a promise. */
function settledOf<R>(next: (req: UnaryRequest) => Promise<R>, req: UnaryRequest): Promise<R> {
  try {
    return next(req);
  } catch (err) {
    return Promise.reject(err);
  }
}
