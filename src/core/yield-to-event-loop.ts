/**
 * Resolves after the event loop has run its pending I/O callbacks (setImmediate runs after the poll
 * phase): long work that awaits this between steps lets requests and heartbeats through.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
