/**
 * Listeners of one kind of driver news (health changes, build log chunks): a listener that throws
 * is reported and does not keep the others from hearing.
 */
export interface ListenerSet<A extends unknown[]> {
  /** Adds a listener; returns its removal. */
  add(listener: (...args: A) => void): () => void;
  emit(...args: A): void;
  clear(): void;
}

export function createListenerSet<A extends unknown[]>(onError: (err: unknown, ...args: A) => void): ListenerSet<A> {
  const listeners = new Set<(...args: A) => void>();
  return {
    add(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(...args) {
      for (const listener of listeners) {
        try {
          listener(...args);
        } catch (err) {
          onError(err, ...args);
        }
      }
    },
    clear: () => listeners.clear(),
  };
}
