// Runs the README's serving examples as written against the real entry point (what `npm start` runs),
// on a free port and an empty data directory: each sh, js and python block, compared with the json or
// text block that follows it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/repo-root.js";
import { runCommand } from "./support/run-command.js";
import { spawnServer, waitForListening } from "./support/spawn-server.js";
import type { SpawnedServer } from "./support/spawn-server.js";

interface Example {
  readonly lang: "sh" | "js" | "python";
  readonly code: string;
  readonly expected?: { lang: "json" | "text"; text: string };
}

function examplesIn(readme: string): Example[] {
  const section = /<!-- serving:start -->([\s\S]*)<!-- serving:end -->/.exec(readme)?.[1] ?? "";
  const blocks = [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? "", text: m[2] ?? "" }));
  return blocks.flatMap((block, i): Example[] => {
    if (block.lang !== "sh" && block.lang !== "js" && block.lang !== "python") return [];
    const next = blocks[i + 1];
    const expected: Example["expected"] =
      next?.lang === "json" || next?.lang === "text" ? { lang: next.lang, text: next.text } : undefined;
    return [{ lang: block.lang, code: block.text, ...(expected ? { expected } : {}) }];
  });
}

const examples = examplesIn(readFileSync(path.join(repoRoot, "README.md"), "utf8"));
const pythonReady = spawnSync("/usr/bin/python3", ["-c", "import grpc, grpc_tools"]).status === 0;
if (!pythonReady) console.warn("readme-examples.test.ts: Python examples skipped: /usr/bin/python3 lacks grpc (apt-get install python3-grpcio python3-grpc-tools)");

let server: SpawnedServer;
let port: number;
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "choreo-readme-"));
  server = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: path.join(tmp, "data") });
  ({ port } = await waitForListening(server, 60_000));
}, 90_000);
afterAll(async () => {
  server.child.kill("SIGTERM");
  await server.exited;
  await rm(tmp, { recursive: true, force: true });
});

/**
 * The README assumes the default port and data directory (its token, and the header file made from it)
 * and writes to /tmp/choreo*: point them at this test's own.
 */
const localise = (code: string) =>
  code
    .replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`)
    .replaceAll("/tmp/choreo", path.join(tmp, "choreo"))
    .replaceAll(".choreo/", `${path.join(tmp, "data")}/`);

function run(example: Example) {
  const code = localise(example.code);
  const opts = { cwd: repoRoot, timeoutMs: 25_000 };
  switch (example.lang) {
    case "sh":
      return runCommand("bash", ["-euo", "pipefail", "-c", code], opts);
    case "js":
      return runCommand(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], opts);
    case "python":
      return runCommand("/usr/bin/python3", ["-c", code], opts);
  }
}

describe("README serving examples", () => {
  it("has the examples it promises: curl, buf curl, grpc-js, Python and browser, each with its output", () => {
    const firstLines = examples.map((e) => `${e.lang}: ${e.code.split("\n")[0]}`);
    expect(firstLines.filter((l) => l.startsWith("sh: curl")).length).toBeGreaterThanOrEqual(2);
    expect(firstLines.filter((l) => l.startsWith("sh: npx buf curl")).length).toBeGreaterThanOrEqual(2);
    expect(examples.filter((e) => e.lang === "js").map((e) => /@grpc\/grpc-js|@connectrpc\/connect-web/.exec(e.code)?.[0])).toEqual([
      "@grpc/grpc-js",
      "@connectrpc/connect-web",
    ]);
    expect(examples.filter((e) => e.lang === "python")).toHaveLength(1);
    for (const e of examples) {
      if (!e.code.startsWith("npx buf build")) expect(e.expected, e.code).toBeDefined();
    }
  });

  it.for(examples.map((e) => [`${e.lang}: ${e.code.split("\n")[0]}`, e] as const))("%s", async ([, example], ctx) => {
    const needsPython = example.lang === "python" || example.code.includes("/usr/bin/python3");
    if (needsPython && !pythonReady) ctx.skip();
    const result = await run(example);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    if (example.expected?.lang === "json") {
      expect(JSON.parse(result.stdout)).toEqual(JSON.parse(example.expected.text));
    } else if (example.expected?.lang === "text") {
      expect(result.stdout.trim().split("\n")).toEqual(example.expected.text.trim().split("\n"));
    }
  });
});
