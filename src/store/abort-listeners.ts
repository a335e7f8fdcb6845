/** Calls back when signals abort, with one listener per signal however many callbacks share it. */
export interface AbortListeners {
  /** Calls fn once signal aborts; the returned function cancels that. */
  on(signal: AbortSignal, fn: () => void): () => void;
}

/**
 * A manager typically stops every watch it opened with one signal. Node warns past ten listeners
 * on one signal (a leak, as far as it can tell), so the store adds one listener per signal and
 * fans out to its own callbacks, removing the listener with the last of them.
 */
export function createAbortListeners(): AbortListeners {
  const bySignal = new Map<AbortSignal, { readonly callbacks: Set<() => void>; readonly listener: () => void }>();
  return {
    on(signal, fn) {
      let entry = bySignal.get(signal);
      if (!entry) {
        const callbacks = new Set<() => void>();
        const listener = () => {
          bySignal.delete(signal);
          for (const callback of callbacks) callback();
        };
        entry = { callbacks, listener };
        bySignal.set(signal, entry);
        signal.addEventListener("abort", listener, { once: true });
      }
      const { callbacks, listener } = entry;
      callbacks.add(fn);
      return () => {
        if (!callbacks.delete(fn) || callbacks.size > 0) return;
        bySignal.delete(signal);
        signal.removeEventListener("abort", listener);
      };
    },
  };
}
