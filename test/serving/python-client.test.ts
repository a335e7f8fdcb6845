// A Python grpcio client (Debian's python3-grpcio), with stubs generated from proto/ by grpc_tools.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/repo-root.js";
import { runCommand } from "./support/run-command.js";
import { startTestServer } from "./support/start-test-server.js";
import type { TestServer } from "./support/start-test-server.js";

// Debian's packages are seen only by the system interpreter, not by a pyenv python3 earlier on PATH.
const python = "/usr/bin/python3";
const probe = spawnSync(python, ["-c", "import grpc, grpc_tools"], { encoding: "utf8" });
const missing =
  probe.status === 0
    ? undefined
    : `${python} cannot import grpc and grpc_tools: apt-get install -y python3-grpcio python3-grpc-tools (.ci/run does)`;
if (missing) console.warn(`python-client.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined)("Python grpcio client", () => {
  let server: TestServer;
  let stubs: string;

  beforeAll(async () => {
    stubs = await mkdtemp(path.join(tmpdir(), "choreo-py-"));
    const descriptorSet = path.join(stubs, "choreo.binpb");
    const built = await runCommand(path.join(repoRoot, "node_modules/.bin/buf"), ["build", "-o", descriptorSet], {
      cwd: repoRoot,
    });
    expect(built.stderr).toBe("");
    const generated = await runCommand(python, [path.join(repoRoot, "test/serving/python/generate_stubs.py"), descriptorSet, stubs]);
    expect(generated).toMatchObject({ code: 0, stderr: expect.not.stringMatching(/error/i) });
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
    if (stubs) await rm(stubs, { recursive: true, force: true });
  });

  it("calls health (unary and server stream) and, without a token, a resource method", async () => {
    const run = await runCommand(python, [path.join(repoRoot, "test/serving/python/client.py"), stubs, `127.0.0.1:${server.port}`]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      check: "SERVING",
      request_id: "python-1",
      check_unknown: "NOT_FOUND",
      watch_first: "SERVING",
      get_organization: "UNAUTHENTICATED",
    });
  });
});
