import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { choreoctlInProcess } from "../cli/support/in-process-choreoctl.js";
import { pipelineWithApproval, newBuild, serviceComponent, startPromotionPlatform, type PromotionPlatform } from "./support/promotion-platform.js";

let platform: PromotionPlatform;
let dir: string;
beforeAll(async () => {
  platform = await startPromotionPlatform();
  dir = mkdtempSync(join(tmpdir(), "choreoctl-promote-"));
  writeFileSync(join(dir, "config.yaml"), `currentContext: test\ncontexts:\n  - name: test\n    server: ${platform.server.url}\n`);
});
afterAll(async () => {
  await platform.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** choreoctl in this process, over real gRPC to the test server, with the API token of `as` (the platform admin's by default; "" for none). */
const choreoctl = (args: string[], as = "admin") => choreoctlInProcess(args, dir, { env: { CHOREO_TOKEN: as ? platform.tokens[as]! : "" } });

const createdName = (stdout: string) => /promotion\.openchoreo\.dev\/(\S+) created/.exec(stdout)![1]!;

describe("choreoctl promote, approve, history and rollback", () => {
  it("takes a component from development to production with an approval, shows the history and rolls back", async () => {
    writeFileSync(join(dir, "app.yaml"), pipelineWithApproval + "---\n" + serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
    expect((await choreoctl(["apply", "-f", "app.yaml", "--wait"])).code).toBe(0);

    const refused = await choreoctl(["promote", "greeter", "--from", "development", "--to", "production"], "alice");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: DeploymentPipeline "default" has no path from "development" to "production"; allowed targets from "development": staging/);

    const staging = await choreoctl(["promote", "greeter", "--from", "development", "--to", "staging", "--wait"], "alice");
    expect(staging.stderr).toBe("");
    expect(staging.code).toBe(0);
    expect(staging.stdout).toMatch(/^promotion\.openchoreo\.dev\/greeter-staging-[0-9a-f]{8} created \(greeter: development → staging\)$/m);
    expect(staging.stdout).toMatch(/: Succeeded \(environment "staging" runs artifact "greeter-[0-9a-f]{8}" \(ghcr\.io\/acme\/greeter:1\.0\.0\), promoted from "development"\)$/m);

    // Production needs an approval: the requester waits while another principal approves.
    const waiting = choreoctl(["promote", "greeter", "--from", "staging", "--to", "production", "--wait", "--timeout", "30s"], "alice");
    const name = await (async () => {
      for (;;) {
        const promotions = await platform.list("Promotion", "openchoreo.dev/environment=production");
        const pending = promotions.find((p) => (p.status as { phase?: string } | undefined)?.phase === "AwaitingApproval");
        if (pending) return String((pending.metadata as { name: string }).name);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const self = await choreoctl(["approve", name], "alice");
    expect(self).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: permission denied: "token:alice" requested this promotion and cannot decide on it/) });
    const approved = await choreoctl(["approve", name, "--comment", "CHG-42"], "carol");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^promotion\\.openchoreo\\.dev/${name} approved$`, "m"));
    const production = await waiting;
    expect(production.code).toBe(0);
    expect(production.stdout).toMatch(/AwaitingApproval/);
    expect(production.stdout).toMatch(/approve with: choreoctl approve greeter-production-[0-9a-f]{8} \(as an approver other than the requester\)/);
    expect(production.stdout).toMatch(/: Succeeded \(environment "production" runs artifact/);

    // A second build goes all the way, then production rolls back to the first.
    writeFileSync(join(dir, "build.yaml"), newBuild("greeter", "ghcr.io/acme/greeter:1.1.0"));
    expect((await choreoctl(["apply", "-f", "build.yaml", "--wait"])).code).toBe(0);
    await waitUntil(async () => (await choreoctl(["history", "greeter", "--env", "development"])).stdout.includes("greeter:1.1.0"));
    const promoteAgain = await choreoctl(["promote", "greeter", "--from", "development", "--to", "staging", "--wait"], "alice");
    expect(promoteAgain.stdout).toMatch(/greeter:1\.1\.0\), promoted from "development"/);
    const toProduction = await choreoctl(["promote", "greeter", "--from", "staging", "--to", "production"], "alice");
    expect((await choreoctl(["approve", createdName(toProduction.stdout)], "carol")).code).toBe(0);
    await waitUntil(async () => /Promotion\s+staging\s+greeter-\S+\s+ghcr\.io\/acme\/greeter:1\.1\.0\s+Succeeded/.test((await choreoctl(["history", "greeter", "--env", "production"])).stdout));

    const rollback = await choreoctl(["rollback", "greeter", "--env", "production", "--wait", "--reason", "1.1.0 breaks checkout"], "dave");
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(/: Succeeded \(environment "production" runs artifact "greeter-[0-9a-f]{8}" \(ghcr\.io\/acme\/greeter:1\.0\.0\), rolled back\)/);

    const history = await choreoctl(["history", "greeter", "--env", "production"]);
    const rows = history.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^AGE\s+ENVIRONMENT\s+ACTION\s+FROM\s+ARTIFACT\s+IMAGE\s+RESULT\s+BY\s+PROMOTION$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(1, 8).filter((_, i) => i !== 3).join(" "))).toEqual([
      "production Rollback - ghcr.io/acme/greeter:1.0.0 Succeeded token:dave",
      "production Promotion staging ghcr.io/acme/greeter:1.1.0 Succeeded token:alice",
      "production Promotion staging ghcr.io/acme/greeter:1.0.0 Succeeded token:alice",
    ]);
  });

  it("rejects, and explains usage mistakes", async () => {
    expect(await choreoctl(["promote", "greeter", "--to", "staging"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: promote COMPONENT needs --from ENV and --to ENV/) });
    expect(await choreoctl(["rollback", "greeter"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: rollback needs --env ENV/) });
    expect(await choreoctl(["approve"])).toMatchObject({ code: 2 });
    const anonymous = await choreoctl(["reject", "nothing-here"], "");
    expect(anonymous).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: not authenticated: authentication required[^\n]*\nGive a token with --token-file FILE/) });
    const viewer = await choreoctl(["reject", "nothing-here"], "victor");
    expect(viewer).toMatchObject({ code: 1, stderr: 'error: permission denied: token:victor lacks permission promotions:approve in organization "default"\n' });
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
