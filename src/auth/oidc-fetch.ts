import * as http from "node:http";
import * as https from "node:https";

/** A GET that answers as fetch does, with only what discovery and the JWKS need. */
export type OidcFetch = (url: string, init: { readonly headers?: Headers; readonly signal?: AbortSignal }) => Promise<Response>;

/**
 * GETs for an identity provider. With `ca` (PEM), HTTPS certificates are verified against it
 * instead of the system's CAs: a private issuer's certificate. Global fetch cannot take a CA per
 * request on Node 20 without undici's Agent, which is not a dependency; node:https can.
 * Redirects are not followed: discovery and JWKS documents are fetched from where they are named.
 */
export function createOidcFetch(ca: Buffer | undefined): OidcFetch {
  if (!ca) return (url, init) => fetch(url, { ...init, redirect: "manual" });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const headers = Object.fromEntries(init.headers ?? new Headers());
      const request = (target.protocol === "https:" ? https : http).get(target, { headers, ca, signal: init.signal }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === "string") responseHeaders.set(name, value);
          }
          const status = response.statusCode ?? 500;
          // Response may not carry a body with a null-body status (204, 304).
          resolve(new Response([204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      });
      request.on("error", reject);
    });
}
