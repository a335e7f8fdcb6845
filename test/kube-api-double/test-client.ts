// Test support for the double's own tests: raw requests where client-node hides status codes or bodies.
import type { KubeApiDouble } from "./index.js";

export interface RawResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export function rawClient(double: KubeApiDouble) {
  return async (method: string, path: string, body?: unknown, contentType = "application/json"): Promise<RawResponse> => {
    const response = await fetch(`${double.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${double.token}`, "content-type": contentType },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

/** Resolves once `condition` holds, polling; rejects after the timeout naming what it waited for. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
