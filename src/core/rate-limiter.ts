/**
 * Decides how long a key waits before it is retried (client-go's workqueue.RateLimiter). Keys are the
 * work queue's string keys.
 */
export interface RateLimiter {
  /** The delay before the next retry of key, in ms; records the retry. */
  when(key: string): number;
  /** The key succeeded: its history is reset. */
  forget(key: string): void;
  /** Retries recorded since the last forget. */
  numRequeues(key: string): number;
}
