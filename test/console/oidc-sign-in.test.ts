// Signing in to the web console through a real OpenID provider (oidc-provider on loopback), in
// Debian's chromium: authorization code with PKCE from the page itself, the ID token as the bearer
// credential, and the server's Content-Security-Policy letting the page reach that issuer only.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestProvider, type TestProvider } from "../support/oidc-test-provider.js";
import { repoRoot } from "../serving/support/repo-root.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../serving/support/spawn-server.js";
import { chromiumPath, chromiumPresent, launchBrowser, type Browser } from "./browser.js";

if (!chromiumPresent) console.warn(`console OIDC browser test skipped: ${chromiumPath} is absent (apt-get install -y chromium)`);

let dir: string;
let provider: TestProvider;
let server: SpawnedServer;
let url: string;
let browser: Browser;

/** A port free now: the provider must know the console's address before the server starts. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  if (!chromiumPresent) return;
  const built = spawnSync(process.execPath, ["scripts/build-console.mjs", "--if-stale"], { cwd: repoRoot, encoding: "utf8" });
  expect(built.status, built.stderr).toBe(0);
  const port = await freePort();
  provider = await startTestProvider({ accounts: [{ id: "alice", email: "alice@example.com" }], clientIds: ["console"], redirectUris: [`http://127.0.0.1:${port}/`] });
  dir = mkdtempSync(join(tmpdir(), "console-oidc-"));
  server = spawnServer({
    CHOREO_PORT: String(port),
    CHOREO_DATA_DIR: join(dir, "data"),
    CHOREO_LOG_LEVEL: "warn",
    CHOREO_OIDC_ISSUER: provider.issuer,
    CHOREO_OIDC_CLIENT_ID: "console",
    CHOREO_OIDC_SCOPES: "openid email",
  });
  ({ url } = await waitForListening(server, 30_000));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.child.kill("SIGTERM");
  await server?.exited;
  await provider?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!chromiumPresent)("signing in to the console with OIDC", () => {
  it("goes to the issuer, signs in there, and comes back signed in with the ID token", async () => {
    const page = await browser.newPage();
    const response = await page.goto(url);
    expect(response?.headers()["content-security-policy"]).toContain(`connect-src 'self' ${provider.issuer};`);
    await page.getByRole("button", { name: `Sign in with ${new URL(provider.issuer).host}` }).click();
    // oidc-provider's development pages: a login form (any password), then the consent.
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.locator('input[name="login"]').fill("alice");
    await page.locator('input[name="password"]').fill("any");
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.origin === url);
    await expect.poll(() => page.getByTestId("subject").innerText(), { timeout: 15_000 }).toBe("oidc:alice");
    expect(page.url()).not.toContain("code=");
    expect(await page.evaluate("sessionStorage.getItem('choreo.via')")).toBe("oidc");
    await browser.screenshot(page, "oidc-signed-in");
  }, 90_000);
});
