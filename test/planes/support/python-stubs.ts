// Python grpcio stubs generated from proto/ at test time, the way test/serving's Python client gets
// them: `buf build` compiles the descriptor set, and Debian's grpc_tools only generates code from it
// (its bundled protoc is too old to parse proto3 `optional`).
import { spawnSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../serving/support/repo-root.js";
import { runCommand } from "../../serving/support/run-command.js";

// Debian's packages are seen only by the system interpreter, not by a pyenv python3 earlier on PATH.
export const python = "/usr/bin/python3";

/** Why Python tests cannot run here, or undefined when grpc and grpc_tools import. */
export function pythonGrpcMissing(): string | undefined {
  const probe = spawnSync(python, ["-c", "import grpc, grpc_tools"], { encoding: "utf8" });
  return probe.status === 0 ? undefined : `${python} cannot import grpc and grpc_tools: apt-get install -y python3-grpcio python3-grpc-tools (.ci/run does)`;
}

/** Generates the stubs of every file in proto/ into a new temporary directory, and returns it. */
export async function generatePythonStubs(): Promise<string> {
  const stubs = await mkdtemp(join(tmpdir(), "choreo-py-"));
  const descriptorSet = join(stubs, "choreo.binpb");
  const built = await runCommand(join(repoRoot, "node_modules/.bin/buf"), ["build", "-o", descriptorSet], { cwd: repoRoot, timeoutMs: 60_000 });
  if (built.code !== 0 || built.stderr) throw new Error(`buf build failed: ${built.stderr}`);
  const generated = await runCommand(python, [join(repoRoot, "test/serving/python/generate_stubs.py"), descriptorSet, stubs], { timeoutMs: 60_000 });
  if (generated.code !== 0) throw new Error(`generating the Python stubs failed: ${generated.stderr}`);
  return stubs;
}
