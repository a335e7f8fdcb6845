import { Code, ConnectError } from "@connectrpc/connect";
import type { Interceptor } from "@connectrpc/connect";
import type { DescMessage } from "@bufbuild/protobuf";
import { principalKey } from "../auth/index.js";
import type { CallLimits, LimitedCall } from "./call-limits.js";
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

  return (next) => async (req) => {
    const principal = req.contextValues.get(principalKey);
    const call: LimitedCall = {
      procedure: `${req.service.typeName}/${req.method.name}`,
      caller: principal?.subject ?? `peer:${req.contextValues.get(peerAddressKey)}`,
      agent: principal?.via === "plane",
      kind: req.method.methodKind === "unary" ? "unary" : req.method.methodKind === "server_streaming" ? "server_streaming" : "stream",
    };
    limits.admit(call);
    if (!req.stream) {
      if (hasPageSize(req.method.input)) {
        const message = req.message as unknown as { pageSize: number };
        if (message.pageSize === 0 || message.pageSize > maxPageSize) message.pageSize = maxPageSize;
      }
      return requestTimeoutMs > 0 ? withDeadline(requestTimeoutMs, req.signal, (signal) => next({ ...req, signal })) : next(req);
    }
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
 * answered deadline_exceeded at once and the handler's signal aborts, whether or not it listens.
 */
async function withDeadline<T>(ms: number, outer: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  // One controller aborted by the deadline or by the caller's signal (AbortSignal.any costs a weak
  // reference and its bookkeeping per call, a visible share of a cached read).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new ConnectError(`the server's deadline of ${ms} ms passed`, Code.DeadlineExceeded)), ms);
  const onOuterAbort = () => deadline.abort(outer.reason);
  if (outer.aborted) onOuterAbort();
  else outer.addEventListener("abort", onOuterAbort, { once: true });
  const signal = deadline.signal;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof ConnectError ? signal.reason : new ConnectError("the call was cancelled", Code.Canceled));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  const work = run(signal);
  // The loser of the race must not become an unhandled rejection.
  work.catch(() => undefined);
  aborted.catch(() => undefined);
  try {
    return await Promise.race([work, aborted]);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener("abort", onOuterAbort);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
