import * as http from "node:http";
import * as https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** The API server refused a log request; `code` is its HTTP status, `message` the Status message. */
export class PodLogRequestError extends Error {
  override readonly name = "PodLogRequestError";

  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function isPodLogRequestError(err: unknown): err is PodLogRequestError {
  return err instanceof Error && err.name === "PodLogRequestError";
}

/**
 * Opens `GET pods/<pod>/log` with the given query parameters (container, follow, tailLines...) and
 * resolves with the response once the API server answered 200; the body is the log, streamed while
 * following. client-node's Log helper hides a stream that breaks off; a response's `complete` tells.
 */
export async function openPodLog(kubeConfig: KubeConfig, namespace: string, pod: string, parameters: Readonly<Record<string, string>>, signal: AbortSignal): Promise<http.IncomingMessage> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig names no current cluster");
  const url = new URL(`${server.replace(/\/$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  const requestOptions: https.RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(requestOptions);
  return new Promise((resolve, reject) => {
    const get = url.protocol === "https:" ? https.get : http.get;
    const request = get(url, { ...requestOptions, signal }, (response) => {
      if (response.statusCode === 200) return resolve(response);
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (text: string) => (body += text.slice(0, 2000)));
      response.on("end", () => reject(new PodLogRequestError(response.statusCode ?? 0, statusMessage(body) ?? `the API server answered ${response.statusCode} for the log of pod ${pod}`)));
      response.on("error", reject);
    });
    request.on("error", reject);
  });
}

function statusMessage(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    return typeof status.message === "string" ? status.message : undefined;
  } catch {
    return undefined;
  }
}
