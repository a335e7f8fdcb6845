import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleAssets } from "./console-assets.js";

let root: string;
let server: http.Server;
let port: number;

/** A raw request, so paths reach the server exactly as written (fetch would normalise `..`). */
function get(path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "console-assets-"));
  const dist = join(root, "dist");
  mkdirSync(join(dist, "assets"), { recursive: true });
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(join(dist, "assets", "main-Ab12Cd.js"), "console.log(1)");
  writeFileSync(join(dist, "assets", "main-Ef34Gh.css"), "body{}");
  writeFileSync(join(dist, ".build-info.json"), "{}");
  // A file beside the build that no request may reach.
  writeFileSync(join(root, "secret.txt"), "secret");
  const assets = createConsoleAssets({ dir: dist, connectOrigins: ["https://login.example.com"] });
  server = http.createServer((req, res) => {
    if (assets(req, res)) return;
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe("console assets", () => {
  it("serves index.html at / with a strict Content-Security-Policy, revalidated on every load", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.body).toContain("<title>console</title>");
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-cache");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("connect-src 'self' https://login.example.com;");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("serves hashed assets with their content types, cached for a year", async () => {
    const js = await get("/assets/main-Ab12Cd.js?v=1");
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const css = await get("/assets/main-Ef34Gh.css");
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("answers a matching If-None-Match with 304 and HEAD without a body", async () => {
    const first = await get("/");
    const again = await get("/", { "if-none-match": String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    const head = await get("/", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(first.body)));
    expect(head.body).toBe("");
  });

  it("reaches no file outside the build, nor one the build keeps for itself", async () => {
    for (const path of ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/.build-info.json", "/assets", "/nothing.js"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain("secret");
    }
  });

  it("leaves methods other than GET and HEAD to the caller", async () => {
    expect((await get("/", {}, "POST")).status).toBe(404);
  });
});
