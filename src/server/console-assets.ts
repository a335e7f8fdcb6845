import { readdirSync, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { connectNodeAdapter } from "@connectrpc/connect-node";

type NodeHandler = ReturnType<typeof connectNodeAdapter>;

/** Where `npm run build` writes the console (console/dist), found from this file in the sources and the bundle. */
export const consoleBuildDir = fileURLToPath(new URL("../../console/dist/", import.meta.url));

/** Answers a request for the web console, or returns false to let the caller answer (a 404). */
export type ConsoleAssets = (req: Parameters<NodeHandler>[0], res: Parameters<NodeHandler>[1]) => boolean;

export interface ConsoleAssetsOptions {
  /** The console's build output (consoleBuildDir by default): index.html and assets/. */
  readonly dir?: string;
  /**
   * Origins the page may fetch from besides its own: the OIDC issuer, whose discovery document and
   * token endpoint the browser calls during sign-in. Nothing else leaves the page's origin.
   */
  readonly connectOrigins?: readonly string[];
}

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly immutable: boolean;
}

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".map": "application/json",
};

/**
 * Serves the built console at `/` from memory: the file set is read once, so a request can only
 * ever name one of those files (no path reaches the file system, hence no traversal). Vite names
 * everything under assets/ after a hash of its content: cached for a year; index.html is revalidated
 * on every load, so a new build is picked up at once. The Content-Security-Policy allows scripts,
 * styles and fetches from the page's own origin only (the session's token lives in the page).
 */
export function createConsoleAssets(options: ConsoleAssetsOptions): ConsoleAssets {
  const assets = readAssets(options.dir ?? consoleBuildDir);
  const connectSrc = ["'self'", ...(options.connectOrigins ?? [])].join(" ");
  const securityHeaders: Record<string, string> = {
    "content-security-policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src ${connectSrc}`,
      "manifest-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
  };

  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = (req.url ?? "/").split(/[?#]/, 1)[0] ?? "/";
    const asset = assets.get(path === "/" ? "/index.html" : path);
    if (!asset) return false;
    const headers: Record<string, string> = {
      ...securityHeaders,
      "content-type": asset.type,
      etag: asset.etag,
      "cache-control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    };
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    headers["content-length"] = String(asset.body.length);
    res.writeHead(200, headers);
    if (req.method === "HEAD") res.end();
    else res.end(asset.body);
    return true;
  };
}

/** Every file under dir by URL path; empty when the console was not built. */
function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  let files: string[];
  try {
    files = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch {
    return assets;
  }
  for (const file of files) {
    const full = join(dir, file);
    const type = contentTypes[extname(file)];
    // Dotfiles (the build's own bookkeeping) and files of no known type are not served.
    if (!type || file.split(sep).some((part) => part.startsWith(".")) || !statSync(full).isFile()) continue;
    const body = readFileSync(full);
    const urlPath = `/${relative(dir, full).split(sep).join("/")}`;
    assets.set(urlPath, {
      body,
      type,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      immutable: urlPath.startsWith("/assets/"),
    });
  }
  return assets;
}
