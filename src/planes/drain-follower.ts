/** A follower of a shared agent read: woken when its read has something for it or ends. */
export interface Waker {
  wake: (() => void) | undefined;
}

/**
 * Yields what `take` hands out, sleeping until woken in between, until the shared read ends (throwing
 * its error, if any) or `signal` aborts. The log streams and the tree watches follow their reads alike.
 */
export async function* drainFollower<T>(
  waker: Waker,
  take: () => T | undefined,
  ended: () => { readonly error: Error | undefined } | undefined,
  signal: AbortSignal,
): AsyncIterable<T> {
  const onAbort = () => waker.wake?.();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (!signal.aborted) {
      const next = take();
      if (next !== undefined) {
        yield next;
        continue;
      }
      const end = ended();
      if (end) {
        if (end.error) throw end.error;
        return;
      }
      await new Promise<void>((resolve) => (waker.wake = resolve));
      waker.wake = undefined;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
