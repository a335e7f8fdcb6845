import { useEffect, useState } from "preact/hooks";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Reads a server stream while the view shows it (and its inputs stay the same): each message goes to
 * onMessage; leaving the view cancels the call. Returns the error that ended it, if any.
 */
export function useServerStream<T>(open: (signal: AbortSignal) => AsyncIterable<T>, onMessage: (message: T) => void, inputs: readonly unknown[]): string | undefined {
  const [error, setError] = useState<string>();
  useEffect(() => {
    const controller = new AbortController();
    setError(undefined);
    (async () => {
      try {
        for await (const message of open(controller.signal)) onMessage(message);
      } catch (err) {
        const e = ConnectError.from(err);
        if (!controller.signal.aborted && e.code !== Code.Canceled) setError(e.rawMessage);
      }
    })();
    return () => controller.abort();
  }, inputs);
  return error;
}
