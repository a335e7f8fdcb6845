/**
 * An async iterable fed by push: the request side of a bidirectional stream. Pushed messages go first;
 * a bulk source (component logs) is asked for a message only when none is waiting, so heartbeats, acks
 * and status never queue behind bulk traffic.
 */
export interface Outbox<T> extends AsyncIterable<T> {
  push(message: T): void;
  /**
   * Sets what the stream sends when nothing pushed waits: called each time the stream can take a message,
   * undefined when it has nothing to send now (call `poke` once it has).
   */
  setBulkSource(next: (() => T | undefined) | undefined): void;
  /** The bulk source may have something now. */
  poke(): void;
  /** Ends the iteration once what was pushed is consumed; later pushes are dropped. */
  close(): void;
  readonly closed: boolean;
}

export function createOutbox<T>(): Outbox<T> {
  const queued: T[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let bulk: (() => T | undefined) | undefined;
  return {
    push(message) {
      if (closed) return;
      queued.push(message);
      wake?.();
    },
    setBulkSource(next) {
      bulk = next;
      wake?.();
    },
    poke() {
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
        const next = queued.shift() ?? (closed ? undefined : bulk?.());
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
