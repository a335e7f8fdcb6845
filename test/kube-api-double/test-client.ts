// Test support for the double's own tests: raw requests where client-node hides status codes or bodies.
import { request as httpRequest } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import { startKubeApiDouble, type KubeApiDouble } from "./index.js";

export interface RawResponse {
  readonly status: number;
  /** The JSON body; {} when there is none or it is not one JSON document (a watch stream). */
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/** Raw requests to the double, over TLS trusting its certificate when it serves TLS. */
export function rawClient(double: KubeApiDouble) {
  const agent = double.caCertificate ? new Agent({ ca: double.caCertificate }) : undefined;
  return (method: string, path: string, body?: unknown, contentType = "application/json"): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const headers = { authorization: `Bearer ${double.token}`, "content-type": contentType, ...(payload === undefined ? {} : { "content-length": Buffer.byteLength(payload) }) };
      const options = { method, headers, ...(agent ? { agent } : {}) };
      const req = (agent ? httpsRequest : httpRequest)(`${double.url}${path}`, options, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            // A stream of events, read from `text`.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      });
      req.on("error", reject);
      req.end(payload);
    });
}

/** A plain double with one namespace, and raw requests to it: the setup the double's suites share. */
export async function doubleWithNamespace(namespace = "a"): Promise<{ double: KubeApiDouble; raw: ReturnType<typeof rawClient> }> {
  const double = await startKubeApiDouble();
  const raw = rawClient(double);
  await raw("POST", "/api/v1/namespaces", { metadata: { name: namespace } });
  return { double, raw };
}

/** Resolves once `condition` holds, polling; rejects after the timeout naming what it waited for. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
