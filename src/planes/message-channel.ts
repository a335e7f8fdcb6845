/** An unbounded queue read as an async iterable; closing it with an error makes the reader throw it. */
export interface MessageChannel<T> extends AsyncIterable<T> {
  push(value: T): void;
  close(error?: unknown): void;
  readonly closed: boolean;
}

export function createMessageChannel<T>(): MessageChannel<T> {
  const queue: T[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  return {
    push(value) {
      if (done) return;
      queue.push(value);
      wake?.();
    },
    close(error) {
      if (done) return;
      done = true;
      if (error !== undefined) failure = { error };
      wake?.();
    },
    get closed() {
      return done;
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        // A failure ends the stream at once; a plain close lets what is queued drain first.
        if (failure) throw failure.error;
        if (done) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}
