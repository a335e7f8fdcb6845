// `npm start`'s entry point and choreoctl processes: the bootstrap admin token, then tokens and roles as
// a platform team hands them out, and what a user sees on 401 and 403.
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useCliHarness } from "../cli/support/cli-harness.js";

const cli = useCliHarness();

describe("choreoctl with API tokens", () => {
  it("hands out a developer token, which works within its role and stops working once revoked", async () => {
    const { run, env } = cli();
    const me = await run(["whoami"]);
    expect(me.stdout).toBe("subject: token:admin\nauthenticated by: token\nroles:\n  platform-admin (every organization)  (AuthzClusterRoleBinding token-admin)\n");

    const created = await run(["token", "create", "ci", "--org", "default", "--role", "developer", "--ttl", "24h"]);
    expect(created.code, created.stderr).toBe(0);
    // The token alone on the last line of stdout, once.
    const token = created.stdout.trim().split("\n").at(-1)!;
    expect(created.stdout).toBe(`${token}\n`);
    expect(token).toMatch(/^choreo_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/^apitoken\.openchoreo\.dev\/ci created \(subject token:ci, role developer in default, expires \d{4}-/);

    const list = await run(["token", "list"]);
    expect(list.stdout).toMatch(/^NAME\s+ORGANIZATION\s+ROLE\s+EXPIRES\s+CREATED-BY$/m);
    expect(list.stdout).toMatch(/^ci\s+default\s+developer\s+expires \S+\s+token:admin$/m);
    expect(list.stdout).toMatch(/^admin\s+-\s+platform-admin\s+never expires\s+system:bootstrap$/m);
    expect(list.stdout).not.toContain(token);

    const asCi = { env: { ...env, CHOREO_TOKEN: token } };
    expect((await run(["whoami"], asCi)).stdout).toBe("subject: token:ci\nauthenticated by: token\nroles:\n  default: developer  (AuthzRoleBinding default/token-ci)\n");
    writeFileSync(join(cli().dir, "project.yaml"), "apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: shop}\nspec: {deploymentPipelineRef: default-pipeline}\n");
    const refused = await run(["apply", "-f", join(cli().dir, "project.yaml")], asCi);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('permission denied: token:ci lacks permission projects:write in organization "default"');
    const escalate = await run(["token", "create", "root", "--role", "platform-admin"], asCi);
    expect(escalate.stderr).toBe("error: permission denied: token:ci lacks permission tokens:write platform-wide\n");

    expect((await run(["token", "revoke", "ci"])).stdout).toBe("apitoken.openchoreo.dev/ci revoked\n");
    const revoked = await run(["whoami"], asCi);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/^error: not authenticated: the credential is not valid \(unknown, revoked, expired or malformed\)\nGive a token with --token-file FILE, env CHOREO_TOKEN, or the context's token file/);
  }, 120_000);

  it("creates a token that never expires only for a platform admin, and keeps credentials in files only their owner reads", async () => {
    const { run, dir } = cli();
    const forever = await run(["token", "create", "robot", "--ttl", "0", "--role", "viewer", "--org", "default"]);
    expect(forever.stderr).toMatch(/robot created \(subject token:robot, role viewer in default, never expires\)/);
    expect(statSync(join(dir, "data", "admin.token")).mode & 0o777).toBe(0o600);
    const tokenFile = join(dir, "robot.token");
    writeFileSync(tokenFile, forever.stdout, { mode: 0o600 });
    expect((await run(["config", "set-context", "robot", "--server", cli().url, "--token-file", tokenFile])).code).toBe(0);
    expect(statSync(join(dir, "config.yaml")).mode & 0o777).toBe(0o600);
    expect((await run(["whoami", "--context", "robot"])).stdout).toMatch(/^subject: token:robot$/m);
    // A token without a role can say who it is, and nothing more.
    const bare = (await run(["token", "create", "bare"])).stdout.trim();
    expect((await run(["whoami"], { env: { ...cli().env, CHOREO_TOKEN: bare } })).stdout).toBe("subject: token:bare\nauthenticated by: token\nroles: none (no grant names you or your groups)\n");
    expect((await run(["get", "projects"], { env: { ...cli().env, CHOREO_TOKEN: bare } })).stderr).toMatch(/^error: permission denied: token:bare lacks permission projects:read in organization "default"/);
  }, 60_000);
});
