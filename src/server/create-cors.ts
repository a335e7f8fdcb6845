import { cors as connectCors } from "@connectrpc/connect";
import { requestIdHeader } from "./request-id.js";

interface CorsRequest {
  readonly method?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}
interface CorsResponse {
  setHeader(name: string, value: string): unknown;
  writeHead(status: number): unknown;
  end(): unknown;
}

/**
 * Lets browser code from the listed origins call the API (connect-web's Connect and gRPC-Web
 * transports). Returns true when it answered the request itself (a preflight).
 */
export type Cors = (req: CorsRequest, res: CorsResponse) => boolean;

/** `allowedOrigins`: exact origins such as "http://localhost:5173", or "*" for any. Empty: CORS off. */
export function createCors(allowedOrigins: readonly string[]): Cors {
  const any = allowedOrigins.includes("*");
  const allowed = new Set(allowedOrigins);
  const allowHeaders = [...connectCors.allowedHeaders, requestIdHeader].join(", ");
  const exposeHeaders = [...connectCors.exposedHeaders, requestIdHeader].join(", ");

  return (req, res) => {
    const origin = req.headers["origin"];
    if (typeof origin !== "string" || !(any || allowed.has(origin))) return false;
    res.setHeader("access-control-allow-origin", any ? "*" : origin);
    res.setHeader("vary", "origin");
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      res.setHeader("access-control-allow-methods", connectCors.allowedMethods.join(", "));
      res.setHeader("access-control-allow-headers", allowHeaders);
      // Browsers cap this (Chromium at 2 h); it saves a preflight per call.
      res.setHeader("access-control-max-age", "7200");
      res.writeHead(204);
      res.end();
      return true;
    }
    res.setHeader("access-control-expose-headers", exposeHeaders);
    return false;
  };
}
