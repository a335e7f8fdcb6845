import { createContextKey, type ContextValues } from "@connectrpc/connect";

/**
 * A call's cancellation (the client went away, a deadline passed, the server shuts down), cheap for
 * the calls nobody cancels, which are nearly all: the AbortSignal, an EventTarget that costs
 * microseconds to make and to listen to, is made only when something reads `signal`; code that
 * only needs to hear of the abort registers a plain callback instead.
 */
export class CallAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #callbacks: ((reason: unknown) => void)[] | undefined;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const callbacks = this.#callbacks;
    this.#callbacks = undefined;
    if (callbacks) for (const callback of callbacks) callback(reason);
  }

  /** Calls back once on abort (at once if it happened); returns what stops that. */
  onAbort(callback: (reason: unknown) => void): () => void {
    if (this.#aborted) {
      callback(this.#reason);
      return noop;
    }
    (this.#callbacks ??= []).push(callback);
    return () => {
      const callbacks = this.#callbacks;
      const at = callbacks?.indexOf(callback) ?? -1;
      if (at >= 0) callbacks!.splice(at, 1);
    };
  }
}

const noop = () => undefined;

/**
 * The cancellation of a call whose transport made one (the native gRPC fast path), aborting when its
 * request's signal does; absent on Connect's path, where the signal is made anyway.
 */
export const callAbortKey = createContextKey<CallAbort | undefined>(undefined, { description: "the call's cancellation" });

/**
 * Calls back once the call is cancelled, without making its signal where the transport has not;
 * returns what stops that.
 */
export function onCallAbort(req: { readonly signal: AbortSignal; readonly contextValues: ContextValues }, callback: (reason: unknown) => void): () => void {
  const lazy = req.contextValues.get(callAbortKey);
  if (lazy) return lazy.onAbort(callback);
  const signal = req.signal;
  if (signal.aborted) {
    callback(signal.reason);
    return noop;
  }
  const listener = () => callback(signal.reason);
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}
