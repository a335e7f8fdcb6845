import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/cli-io.js";
import { sessionPath } from "../../src/cli/oidc-session.js";
import { runChoreoctl } from "../../src/cli/run-choreoctl.js";
import { eventually } from "../controllers/harness.js";
import { approveDeviceCode, authorizeInBrowser, startTestProvider, type TestProvider } from "../support/oidc-test-provider.js";
import { serviceComponent } from "../support/service-component.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../serving/support/spawn-server.js";

const dir = mkdtempSync(join(tmpdir(), "choreoctl-login-"));
const configPath = join(dir, "config.yaml");
let provider: TestProvider;
let server: SpawnedServer;

beforeAll(async () => {
  // ID tokens that live 30 s: under choreoctl's one-minute margin, so every command renews its token.
  provider = await startTestProvider({ accounts: [{ id: "alice", email: "alice@example.com", groups: ["shop-devs"] }], idTokenTtl: 30 });
  server = spawnServer({
    CHOREO_PORT: "0",
    CHOREO_DATA_DIR: join(dir, "data"),
    CHOREO_LOG_LEVEL: "warn",
    CHOREO_EMBEDDED_AGENTS: "0",
    CHOREO_OIDC_ISSUER: provider.issuer,
    CHOREO_OIDC_CLIENT_ID: "choreoctl",
  });
  const { url } = await waitForListening(server, 60_000);
  writeFileSync(
    configPath,
    `currentContext: alice\ncontexts:\n  - name: alice\n    server: ${url}\n  - name: admin\n    server: ${url}\n    tokenFile: ${join(dir, "data", "admin.token")}\n`,
  );
});
afterAll(async () => {
  server?.child.kill("SIGKILL");
  await provider?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** choreoctl in this process, as a user's shell runs it; onStderr sees what it prints as it prints it. */
async function choreoctl(args: string[], options: { input?: string; onStderr?: (text: string) => void } = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: {
      write: (t: string) => {
        stderr += t;
        options.onStderr?.(stderr);
      },
    },
    stdin: (async function* () {
      if (options.input) yield options.input;
    })(),
    env: { CHOREOCONFIG: configPath },
    cwd: dir,
    homeDir: dir,
    signal: new AbortController().signal,
    now: () => Date.now(),
  };
  const code = await runChoreoctl(args, io);
  return { code, stdout, stderr };
}

describe("choreoctl login against a real OpenID provider", () => {
  const session = () => sessionPath(configPath, "alice");

  it("signs in by the device flow, as a person approving the code in a browser would", async () => {
    const notYet = await choreoctl(["get", "projects"]);
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toMatch(/not authenticated[^\n]*\n.*choreoctl login/);

    let approving: Promise<void> | undefined;
    const login = await choreoctl(["login", "--device"], {
      onStderr(text) {
        const code = /enter the code (\S+)/.exec(text)?.[1];
        if (code && !approving) approving = approveDeviceCode(provider.issuer, code, "alice");
      },
    });
    await approving;
    expect(login.stderr).toContain(`${provider.issuer}/device`);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain("as alice@example.com (sub alice)");
    expect(statSync(session()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(session(), "utf8"))).toMatchObject({ issuer: provider.issuer, clientId: "choreoctl", refreshToken: expect.any(String) });

    const contexts = await choreoctl(["config", "get-contexts"]);
    expect(contexts.stdout).toMatch(new RegExp(`alice\\s.*oidc ${provider.issuer.replace(/[.]/g, "\\.")}`));
    expect(contexts.stdout).toMatch(/admin\s.*token file .*admin\.token/);
  });

  it("works under the signed-in subject: refused without a grant, allowed through a grant to a group; the audit log says who did what", async () => {
    const before = readFileSync(session(), "utf8");
    const refused = await choreoctl(["apply", "-f", "-"], { input: serviceComponent("alice-svc") });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/permission denied: oidc:alice lacks permission components:write/);
    // The 30-second ID token was renewed with the refresh token, and the renewal kept.
    expect(readFileSync(session(), "utf8")).not.toBe(before);
    expect(statSync(session()).mode & 0o777).toBe(0o600);

    const grant = "apiVersion: openchoreo.dev/v1alpha1\nkind: AuthzRoleBinding\nmetadata:\n  name: shop-devs\n  namespace: default\nspec:\n  role: developer\n  groups: [shop-devs]\n";
    expect((await choreoctl(["--context", "admin", "apply", "-f", "-"], { input: grant })).code).toBe(0);
    const applied = await eventually(async () => {
      const result = await choreoctl(["apply", "-f", "-"], { input: serviceComponent("alice-svc") });
      return result.code === 0 ? result : undefined;
    }, "the group grant to reach the guard", 15_000);
    expect(applied.stdout).toContain("component.openchoreo.dev/alice-svc created");

    const audit = await choreoctl(["--context", "admin", "audit", "--subject", "oidc:alice", "--since", "10m", "-o", "json"]);
    expect(audit.code, audit.stderr).toBe(0);
    const records = (JSON.parse(audit.stdout) as { items: { kind: string; name: string; code: string }[] }).items;
    expect(records).toContainEqual(expect.objectContaining({ kind: "Component", name: "alice-svc", code: "ok" }));
    expect(records).toContainEqual(expect.objectContaining({ kind: "Component", name: "alice-svc", code: "permission_denied" }));
    const table = await choreoctl(["--context", "admin", "audit", "--subject", "oidc:alice", "--result", "denied"]);
    expect(table.stdout).toMatch(/^TIME\s+SUBJECT\s+METHOD\s+OBJECT\s+RESULT/);
    expect(table.stdout).toMatch(/oidc:alice\s+ResourceService\/Apply\s+Component\/default\/alice-svc\s+permission_denied/);
  });

  it("signs in with authorization code and PKCE: the browser comes back to choreoctl on a loopback address", async () => {
    let browsing: Promise<Response> | undefined;
    const login = await choreoctl(["login", "--no-browser"], {
      onStderr(text) {
        const url = /open this address in a browser:\n\s+(\S+)/.exec(text)?.[1];
        if (!url || browsing) return;
        const redirectUri = new URL(url).searchParams.get("redirect_uri")!;
        expect(new URL(url).searchParams.get("code_challenge_method")).toBe("S256");
        // The person signs in; the provider sends their browser to choreoctl's listener.
        browsing = authorizeInBrowser(url, "alice", redirectUri).then((callback) => fetch(callback));
      },
    });
    expect(login.code, login.stderr).toBe(0);
    expect(await (await browsing!).text()).toContain("Signed in");
    expect(login.stdout).toContain("as alice@example.com (sub alice)");
    expect(JSON.parse(readFileSync(session(), "utf8"))).toMatchObject({ refreshToken: expect.any(String) });
    const after = await choreoctl(["get", "components"]);
    expect(after.code, after.stderr).toBe(0);
  });

  it("logs out (the session is forgotten), and a context can use a pasted API token instead", async () => {
    const { refreshToken } = JSON.parse(readFileSync(session(), "utf8")) as { refreshToken: string };
    const logout = await choreoctl(["logout"]);
    expect(logout.stdout).toContain('Context "alice" signed out.');
    expect(logout.stderr).toBe("");
    // Revoked at the issuer: the refresh token no longer renews anything.
    const issuer = await oidc.discovery(new URL(provider.issuer), "choreoctl", undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.refreshTokenGrant(issuer, refreshToken)).rejects.toMatchObject({ error: "invalid_grant" });
    expect(() => statSync(session())).toThrow();
    expect((await choreoctl(["get", "components"])).stderr).toMatch(/not signed in/);

    const pasted = join(dir, "pasted.token");
    writeFileSync(pasted, readFileSync(join(dir, "data", "admin.token")), { mode: 0o600 });
    const login = await choreoctl(["login", "--token-file", pasted]);
    expect(login.stdout).toContain(`now sends the API token in ${pasted}`);
    expect((await choreoctl(["get", "components"])).stdout).toContain("alice-svc");
    expect((await choreoctl(["config", "get-contexts"])).stdout).toMatch(/alice\s.*token file .*pasted\.token/);
  });
});
