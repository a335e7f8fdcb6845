// `npm start`'s entry point and choreoctl processes: registering a plane whose embedded agent holds a
// credential is refused unless replaced, and only a platform admin may register.
import { describe, expect, it } from "vitest";
import { useCliHarness } from "../cli/support/cli-harness.js";

const cli = useCliHarness();

describe("choreoctl plane", () => {
  it("refuses to register a plane that has a credential, replaces it with --replace, and refuses a developer", async () => {
    const { run, env } = cli();
    const taken = await run(["plane", "register", "dataplane", "default"]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/DataPlane default\/default already has a credential \(PlaneCredential dataplane-default-agent\): say replace/);

    const replaced = await run(["plane", "register", "dataplane", "default", "--replace", "--grace", "30s"]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(/^\S{40,}\n$/);
    expect(replaced.stderr).toContain("dataplane.openchoreo.dev/default registered again");
    expect(replaced.stderr).toContain("npm run agent -- --plane default --plane-kind DataPlane");

    const developer = (await run(["token", "create", "dev", "--org", "default", "--role", "developer"])).stdout.trim().split("\n").at(-1)!;
    const refused = await run(["plane", "register", "buildplane", "default", "--replace"], { env: { ...env, CHOREO_TOKEN: developer } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("permission denied: token:dev lacks permission planes:write platform-wide");
    expect((await run(["plane", "register", "cluster", "x"])).code).not.toBe(0);
  }, 120_000);
});
