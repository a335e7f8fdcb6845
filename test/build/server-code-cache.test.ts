// The compiled server runs its bundle with the V8 code cache the build wrote (src/main/compiled-server.ts).
// A cache V8 refuses (another Node.js, other flags, a damaged file) or a missing one must cost only
// time: the server starts and serves all the same. Run on a copy of dist/, so the shared build stays whole.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../serving/support/repo-root.js";
import { runCommand } from "../serving/support/run-command.js";

const work = mkdtempSync(join(tmpdir(), "choreo-code-cache-"));
const copy = join(work, "package");
const cacheFile = join(copy, "dist", "main", "server.cjs.cache");

beforeAll(async () => {
  const build = await runCommand(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: repoRoot, timeoutMs: 170_000 });
  expect(build.code, build.stderr).toBe(0);
  cpSync(join(repoRoot, "dist"), join(copy, "dist"), { recursive: true });
  cpSync(join(repoRoot, "package.json"), join(copy, "package.json"));
  symlinkSync(join(repoRoot, "node_modules"), join(copy, "node_modules"));
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function healthOf(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve((JSON.parse(body) as { status?: string }).status ?? body));
    });
    req.on("error", reject).end("{}");
  });
}

/** Starts the copy's server, waits until it listens and reports SERVING, reads the organizations as the admin, stops it. */
async function serveOnce(dataDir: string): Promise<{ health: string; organizations: string[] }> {
  const server = spawn(process.execPath, [join(copy, "dist", "main", "server.js")], {
    cwd: work,
    env: { ...process.env, CHOREO_PORT: "0", CHOREO_DATA_DIR: dataDir, CHOREO_EMBEDDED_AGENTS: "0", CHOREO_LOG_FORMAT: "json", CHOREO_LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening after 60 s:\n${stderr}`)), 60_000);
      server.once("exit", (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
      server.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        const m = /listening on (http:\/\/[^\s)]+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    let health = await healthOf(url);
    for (let i = 0; i < 100 && health !== "SERVING"; i++) health = await new Promise((r) => setTimeout(r, 50)).then(() => healthOf(url));
    const got = await runCommand(process.execPath, [join(copy, "dist", "cli", "main.js"), "--server", url, "--token-file", join(dataDir, "admin.token"), "get", "organizations", "-o", "json"], {
      env: { ...process.env, CHOREOCONFIG: join(work, "choreo-config.yaml") },
      timeoutMs: 60_000,
    });
    expect(got.code, got.stderr).toBe(0);
    const organizations = (JSON.parse(got.stdout) as { items: { metadata: { name: string } }[] }).items.map((o) => o.metadata.name);
    return { health, organizations };
  } finally {
    server.kill("SIGTERM");
    await new Promise((resolve) => (server.exitCode === null ? server.once("exit", resolve) : resolve(undefined)));
  }
}

describe("the compiled server's code cache", () => {
  it("is written by the build, beside the server's bundle", () => {
    expect(statSync(cacheFile).size).toBeGreaterThan(0);
    expect(readFileSync(join(copy, "dist", "main", "server.js"), "utf8")).toContain("server.cjs");
  });

  it("when damaged, costs the server nothing but time: it starts and serves", async () => {
    writeFileSync(cacheFile, Buffer.alloc(4096, 0x5a));
    expect(await serveOnce(join(work, "damaged"))).toEqual({ health: "SERVING", organizations: ["default"] });
  }, 150_000);

  it("when missing, the same", async () => {
    rmSync(cacheFile);
    expect(await serveOnce(join(work, "missing"))).toEqual({ health: "SERVING", organizations: ["default"] });
  }, 150_000);
});
