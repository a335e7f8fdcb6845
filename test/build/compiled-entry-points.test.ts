// The compiled product (`npm run build`, dist/) as the image and the installed package run it: plain
// node, no tsx. The server starts, its embedded agents run from dist/agent/main.js and connect, the
// compiled choreoctl reads their planes, and the build templates the bundle holds (parsed at build
// time) are those of deploy/build-templates/. (The other suites run the sources.)
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBuildTemplates } from "../../src/controllers/build/index.js";
import { repoRoot } from "../serving/support/repo-root.js";
import { runCommand } from "../serving/support/run-command.js";

const dist = join(repoRoot, "dist");
const node = (args: readonly string[], env: NodeJS.ProcessEnv = process.env) => runCommand(process.execPath, args, { cwd: repoRoot, env, timeoutMs: 60_000 });

describe("the compiled entry points (dist/)", () => {
  const work = mkdtempSync(join(tmpdir(), "choreo-compiled-"));
  let server: ChildProcessWithoutNullStreams | undefined;
  beforeAll(() => {
    const build = spawnSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: repoRoot, encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((resolve) => server!.once("exit", resolve));
    }
    rmSync(work, { recursive: true, force: true });
  });

  it("hold no import of tsx and no TypeScript source", () => {
    const files = readdirSync(dist, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js") || f.endsWith(".cjs"));
    expect(files).toEqual(expect.arrayContaining(["main/server.js", "main/server.cjs", join("agent", "main.js"), join("cli", "main.js")]));
    for (const file of files) {
      const text = readFileSync(join(dist, file), "utf8");
      expect(text, file).not.toMatch(/(from|import\()\s*["']tsx/);
      expect(text, file).not.toMatch(/(from|import\()\s*["'][^"']+\.ts["']/);
    }
  });

  it("choreoctl and the agent answer --help", async () => {
    const cli = await node(["dist/cli/main.js", "--help"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^Usage: choreoctl/m);
    const agent = await node(["dist/agent/main.js", "--help"]);
    expect(agent.code, agent.stderr).toBe(0);
    expect(agent.stdout).toMatch(/--credential-file FILE/);
  });

  it("the server serves, its embedded agents run from dist/ and connect, and choreoctl reads their planes", async () => {
    const dataDir = join(work, "data");
    server = spawn(process.execPath, ["dist/main/server.js"], {
      cwd: repoRoot,
      env: { ...process.env, CHOREO_PORT: "0", CHOREO_DATA_DIR: dataDir, CHOREO_LOG_FORMAT: "json", CHOREO_LOG_LEVEL: "warn" },
      stdio: "pipe",
    });
    let stderr = "";
    server.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    server.stdout.resume();
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening after 90 s:\n${stderr}`)), 90_000);
      server!.once("exit", (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
      server!.stderr.on("data", () => {
        const m = /listening on (http:\/\/[^\s)]+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const agentCommand = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const children = () =>
      readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === String(server!.pid);
          } catch {
            return false;
          }
        })
        .map((p) => agentCommand(Number(p)));
    const env = { ...process.env, CHOREOCONFIG: join(work, "choreo-config.yaml") };
    const planesOf = async (kind: string) => {
      const got = await node(["dist/cli/main.js", "--server", url, "--token-file", join(dataDir, "admin.token"), "get", kind, "-o", "json"], env);
      expect(got.code, got.stderr).toBe(0);
      return (JSON.parse(got.stdout) as { items: { status?: { agent?: { connected?: boolean } } }[] }).items;
    };
    const deadline = Date.now() + 90_000;
    let planes: Awaited<ReturnType<typeof planesOf>> = [];
    // Wait for the condition: both embedded planes report a connected agent.
    while (Date.now() < deadline) {
      planes = [...(await planesOf("dataplanes")), ...(await planesOf("buildplanes"))];
      if (planes.length === 2 && planes.every((p) => p.status?.agent?.connected)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(planes.map((p) => p.status?.agent?.connected)).toEqual([true, true]);
    const agents = children().filter((argv) => argv.includes("--plane"));
    expect(agents).toHaveLength(2);
    for (const argv of agents) expect(argv.slice(1, 2)).toEqual([join(repoRoot, "dist/agent/main.js")]);

    // The bundle holds the build templates parsed at build time: the build plane gets exactly the
    // objects deploy/build-templates/ declares.
    const releases = await node(["dist/cli/main.js", "--server", url, "--token-file", join(dataDir, "admin.token"), "get", "releases", "-n", "default", "-o", "json"], env);
    expect(releases.code, releases.stderr).toBe(0);
    const templatesRelease = (JSON.parse(releases.stdout) as { items: { metadata: { name: string }; spec: { resources: { object: unknown }[] } }[] }).items.find((r) =>
      r.metadata.name.startsWith("build-templates-"),
    );
    expect(templatesRelease?.spec.resources.map((r) => r.object)).toEqual(readBuildTemplates());
  }, 240_000);
});
