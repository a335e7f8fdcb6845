// The issue's "done when", as a user does it: `npm start`'s entry point with its embedded plane agents
// (separate processes over the real gRPC stream), and choreoctl processes. A sample component goes from
// development to production with an approval on the production step, the history shows it, staging
// rolls back, and a path the pipeline does not have is refused.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { choreoctl, startProcess } from "../cli/support/cli-harness.js";
import { eventually } from "../controllers/harness.js";
import { repoRoot } from "../serving/support/repo-root.js";
import { runCommand } from "../serving/support/run-command.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../serving/support/spawn-server.js";
import { newBuild, pipelineWithApproval, serviceComponent } from "./support/promotion-platform.js";

let dir: string;
let server: SpawnedServer;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "choreo-promote-e2e-"));
  server = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: join(dir, "data"), CHOREO_LOG_LEVEL: "warn" });
  const { url } = await waitForListening(server, 30_000);
  // The platform admin's token from the first start, then a developer's and an approver's made with it.
  writeFileSync(join(dir, "config.yaml"), `currentContext: test\ncontexts:\n  - name: test\n    server: ${url}\n    tokenFile: ${join(dir, "data", "admin.token")}\n`);
  env = { ...process.env, CHOREOCONFIG: join(dir, "config.yaml"), HOME: dir, CHOREO_TOKEN: "" };
  for (const [name, role] of [["alice", "developer"], ["carol", "approver"]] as const) {
    const created = await runCommand(process.execPath, [choreoctl, "token", "create", name, "--org", "default", "--role", role], { cwd: repoRoot, env, timeoutMs: 30_000 });
    expect(created.code, created.stderr).toBe(0);
    writeFileSync(join(dir, `${name}.token`), created.stdout.trim().split("\n").at(-1)!, { mode: 0o600 });
  }
});
afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

const as = (name?: string) => (name ? ["--token-file", join(dir, `${name}.token`)] : []);
const run = (args: string[], name?: string) => runCommand(process.execPath, [choreoctl, ...args, ...as(name)], { cwd: repoRoot, env, timeoutMs: 90_000 });

describe("choreoctl against npm start with its embedded agents", () => {
  it("promotes with an approval, shows the history, rolls back, and refuses a path the pipeline lacks", async () => {
    writeFileSync(join(dir, "app.yaml"), `${pipelineWithApproval}---\n${serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0")}`);
    expect((await run(["apply", "-f", join(dir, "app.yaml"), "--wait", "--timeout", "60s"])).code).toBe(0);

    const refused = await run(["promote", "greeter", "--from", "development", "--to", "production"], "alice");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/has no path from "development" to "production"; allowed targets from "development": staging/);

    const staging = await run(["promote", "greeter", "--from", "development", "--to", "staging", "--wait", "--timeout", "60s"], "alice");
    expect(staging.code).toBe(0);
    expect(staging.stdout).toMatch(/Succeeded \(environment "staging" runs artifact "greeter-[0-9a-f]{8}" \(ghcr\.io\/acme\/greeter:1\.0\.0\)/);

    const waiting = startProcess(process.execPath, [choreoctl, "promote", "greeter", "--from", "staging", "--to", "production", "--wait", "--timeout", "60s", ...as("alice")], env);
    const [, name] = await waiting.waitFor(/approve with: choreoctl approve (\S+) \(as an approver/, 60_000);
    expect((await run(["approve", name!], "alice")).stderr).toMatch(/permission denied: token:alice lacks permission promotions:approve in organization "default"/);
    expect((await run(["approve", name!, "--comment", "CHG-1"], "carol")).code).toBe(0);
    expect(await waiting.exited).toBe(0);
    expect(waiting.stdout()).toMatch(/Succeeded \(environment "production" runs artifact "greeter-[0-9a-f]{8}" \(ghcr\.io\/acme\/greeter:1\.0\.0\), promoted from "staging"\)/);

    writeFileSync(join(dir, "build.yaml"), newBuild("greeter", "ghcr.io/acme/greeter:1.1.0"));
    expect((await run(["apply", "-f", join(dir, "build.yaml"), "--wait", "--timeout", "60s"])).code).toBe(0);
    // Only a tested artifact moves on: wait, as a user would, until development runs the new build Ready.
    await eventually(async () => {
      const binding = JSON.parse((await run(["get", "servicebinding", "greeter-development", "-o", "json"])).stdout || "{}");
      const generation = binding.metadata?.generation;
      const ready = binding.status?.conditions?.some((c: { type: string; status: string; observedGeneration?: number }) => c.type === "Ready" && c.status === "True" && c.observedGeneration === generation);
      return ready && JSON.stringify(binding.spec?.workloadSpec).includes("greeter:1.1.0");
    }, "development running 1.1.0, Ready", 60_000);
    const second = await run(["promote", "greeter", "--from", "development", "--to", "staging", "--wait", "--timeout", "60s"], "alice");
    expect(second.stdout).toMatch(/greeter:1\.1\.0\), promoted from "development"\)/);

    const rollback = await run(["rollback", "greeter", "--env", "staging", "--wait", "--timeout", "60s"], "alice");
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(/Succeeded \(environment "staging" runs artifact "greeter-[0-9a-f]{8}" \(ghcr\.io\/acme\/greeter:1\.0\.0\), rolled back\)/);

    const history = await run(["history", "greeter"]);
    const rows = history.stdout.trim().split("\n").slice(1).map((r) => r.split(/\s{3,}/).slice(1, 7).join(" | "));
    expect(rows.map((r) => r.replace(/greeter-[0-9a-f]{8}/, "A"))).toEqual([
      "staging | Rollback | - | A | ghcr.io/acme/greeter:1.0.0 | Succeeded",
      "staging | Promotion | development | A | ghcr.io/acme/greeter:1.1.0 | Succeeded",
      "development | Build | - | A | ghcr.io/acme/greeter:1.1.0 | Deployed",
      "production | Promotion | staging | A | ghcr.io/acme/greeter:1.0.0 | Succeeded",
      "staging | Promotion | development | A | ghcr.io/acme/greeter:1.0.0 | Succeeded",
      "development | Build | - | A | ghcr.io/acme/greeter:1.0.0 | Deployed",
    ]);
  }, 240_000);
});
