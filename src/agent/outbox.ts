/** An async iterable fed by push: the request side of a bidirectional stream. */
export interface Outbox<T> extends AsyncIterable<T> {
  push(message: T): void;
  /** Ends the iteration once what was pushed is consumed; later pushes are dropped. */
  close(): void;
  readonly closed: boolean;
}

export function createOutbox<T>(): Outbox<T> {
  const queued: T[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  return {
    push(message) {
      if (closed) return;
      queued.push(message);
      wake?.();
    },
    close() {
      closed = true;
      wake?.();
    },
    get closed() {
      return closed;
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queued.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}
