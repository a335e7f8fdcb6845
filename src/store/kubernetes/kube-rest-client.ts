import * as http from "node:http";
import * as https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { isJsonObject, type JsonObject } from "../../model/json.js";

/** A Kubernetes `Status` the API server answered a request with (any code but 2xx). */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status: JsonObject,
  ) {
    super(message);
  }

  /** The resource plural the Status names (details.kind), e.g. "namespaces" for a missing namespace. */
  get detailsKind(): string | undefined {
    const details = this.status.details;
    return isJsonObject(details) && typeof details.kind === "string" ? details.kind : undefined;
  }

  /** Field-level causes of a 422 Invalid. */
  get causes(): { field?: string; message: string }[] {
    const details = this.status.details;
    const causes = isJsonObject(details) && Array.isArray(details.causes) ? details.causes : [];
    return causes.filter(isJsonObject).map((c) => ({
      ...(typeof c.field === "string" ? { field: c.field } : {}),
      message: typeof c.message === "string" ? c.message : "",
    }));
  }
}

export const isKubeApiError = (err: unknown): err is KubeApiError => err instanceof Error && err.name === "KubeApiError";

/** The error a `Status` stands for (an answer's body, or a watch stream's ERROR event). */
export function kubeApiErrorOf(status: JsonObject, fallbackCode: number, fallbackMessage: string): KubeApiError {
  const code = typeof status.code === "number" ? status.code : fallbackCode;
  const message = typeof status.message === "string" ? status.message : fallbackMessage;
  return new KubeApiError(code, typeof status.reason === "string" ? status.reason : "", message, status);
}

export interface KubeRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/**
 * JSON over the Kubernetes REST protocol, authenticated as the kubeconfig says (tokens, client
 * certificates, exec plugins and the in-cluster service account all come from client-node's
 * KubeConfig). client-node's generated API classes turn timestamps into Dates and hide a Status's
 * details; the store needs the JSON as the server wrote it and the Status as it came.
 */
export interface KubeRestClient {
  /** The answer's JSON; KubeApiError for a non-2xx answer. */
  request(request: KubeRequest): Promise<JsonObject>;
  /**
   * A watch stream: one JSON event per line until the server ends it or signal aborts (then the
   * iterator returns). KubeApiError when the server refuses the watch.
   */
  stream(path: string, query: Readonly<Record<string, string | undefined>>, signal: AbortSignal): AsyncIterable<JsonObject>;
}

export function createKubeRestClient(kubeConfig: KubeConfig): KubeRestClient {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig names no current cluster");
  const base = new URL(cluster.server);
  const transport = base.protocol === "https:" ? https : http;
  // Keep-alive: a store makes many small calls, and watches hold one socket each.
  const agent = new transport.Agent({ keepAlive: true });

  const open = async (request: KubeRequest, body: string | undefined): Promise<http.IncomingMessage> => {
    const url = new URL(base.pathname.replace(/\/$/, "") + request.path, base);
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const options: https.RequestOptions = {
      method: request.method,
      headers: {
        accept: "application/json",
        ...(body !== undefined ? { "content-type": request.contentType ?? "application/json", "content-length": Buffer.byteLength(body) } : {}),
      },
      agent,
    };
    await kubeConfig.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { ...options, ...(request.signal ? { signal: request.signal } : {}) }, resolve);
      req.on("error", reject);
      req.end(body);
    });
  };

  const readAll = async (res: http.IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };

  const failure = (code: number, text: string): KubeApiError => {
    let status: JsonObject = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (isJsonObject(parsed)) status = parsed;
    } catch {
      // Not a Status (a proxy's error page): the text itself is the message.
    }
    return kubeApiErrorOf({ ...status, code }, code, text.trim() || `HTTP ${code}`);
  };

  return {
    async request(request) {
      const body = request.body === undefined ? undefined : JSON.stringify(request.body);
      const res = await open(request, body);
      const text = await readAll(res);
      const code = res.statusCode ?? 0;
      if (code < 200 || code > 299) throw failure(code, text);
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (!isJsonObject(parsed)) throw new KubeApiError(code, "", `the API server answered ${request.method} ${request.path} with a non-object`, {});
      return parsed;
    },

    async *stream(path, query, signal) {
      let res: http.IncomingMessage;
      try {
        res = await open({ method: "GET", path, query, signal }, undefined);
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      const code = res.statusCode ?? 0;
      if (code < 200 || code > 299) throw failure(code, await readAll(res));
      let pending = "";
      try {
        for await (const chunk of res) {
          pending += (chunk as Buffer).toString("utf8");
          let newline = pending.indexOf("\n");
          while (newline >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line) {
              const event: unknown = JSON.parse(line);
              if (isJsonObject(event)) yield event;
            }
            newline = pending.indexOf("\n");
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      } finally {
        res.destroy();
      }
    },
  };
}
