// The web console in a real browser (Debian's chromium) against the real server as `npm start` runs
// it (embedded plane agents as processes): sign in, a sample component, a build's log streaming, a
// promotion approved by another principal showing up without a reload, and a plane whose agent stops.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { choreoctl } from "../cli/support/cli-harness.js";
import { killAgentProcesses, startAgentProcess } from "../planes/support/agent-process.js";
import { pipelineWithApproval, serviceComponent } from "../promotion/support/promotion-platform.js";
import { repoRoot } from "../serving/support/repo-root.js";
import { runCommand } from "../serving/support/run-command.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../serving/support/spawn-server.js";
import { chromiumPath, chromiumPresent, launchBrowser, type Browser } from "./browser.js";

if (!chromiumPresent) console.warn(`console browser tests skipped: ${chromiumPath} is absent (apt-get install -y chromium)`);

let dir: string;
let server: SpawnedServer;
let url: string;
let env: NodeJS.ProcessEnv;
let browser: Browser;
const tokens: Record<string, string> = {};

const run = (args: string[]) => runCommand(process.execPath, [choreoctl, ...args], { cwd: repoRoot, env, timeoutMs: 120_000 });
const apply = async (yaml: string, wait = true) => {
  const file = join(dir, `apply-${Date.now()}.yaml`);
  writeFileSync(file, yaml);
  const r = await run(["apply", "-f", file, ...(wait ? ["--wait", "--timeout", "90s"] : [])]);
  expect(r.code, r.stderr).toBe(0);
};

beforeAll(async () => {
  if (!chromiumPresent) return;
  // What `npm start` and `npm ci` do: the console's build, when its sources changed.
  const built = spawnSync(process.execPath, ["scripts/build-console.mjs", "--if-stale"], { cwd: repoRoot, encoding: "utf8" });
  expect(built.status, built.stderr).toBe(0);
  dir = mkdtempSync(join(tmpdir(), "console-e2e-"));
  server = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: join(dir, "data"), CHOREO_LOG_LEVEL: "warn" });
  ({ url } = await waitForListening(server, 30_000));
  tokens.admin = readFileSync(join(dir, "data", "admin.token"), "utf8").trim();
  writeFileSync(join(dir, "config.yaml"), `currentContext: test\ncontexts:\n  - name: test\n    server: ${url}\n    tokenFile: ${join(dir, "data", "admin.token")}\n`);
  env = { ...process.env, CHOREOCONFIG: join(dir, "config.yaml"), HOME: dir, CHOREO_TOKEN: "" };
  for (const [name, role] of [["alice", "developer"], ["carol", "approver"]] as const) {
    const created = await run(["token", "create", name, "--org", "default", "--role", role]);
    expect(created.code, created.stderr).toBe(0);
    tokens[name] = created.stdout.trim().split("\n").at(-1)!;
  }
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await killAgentProcesses();
  server?.child.kill("SIGTERM");
  await server?.exited;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function signIn(page: Page, token: string) {
  await page.goto(url);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Confirms the dialog a ConfirmButton opened. */
async function confirm(page: Page, button: string) {
  const dialog = page.getByRole("dialog", { name: button });
  await dialog.getByRole("button", { name: button }).click();
  await dialog.waitFor({ state: "hidden" });
}

const text = (page: Page, testId: string) => page.getByTestId(testId).first().innerText().catch(() => "");

let alice: Page;
/** alice's page's streaming calls still open, and how many per-kind Watch calls it ever made. */
const aliceStreams = { open: new Set<Request>(), perKindWatches: 0 };
/** What chromium reported the Content-Security-Policy blocked on alice's page, and its script errors. */
const blocked: string[] = [];
const openStreams = (method: string) => [...aliceStreams.open].filter((r) => r.url().endsWith(`/${method}`)).length;

describe.skipIf(!chromiumPresent)("the web console in chromium", () => {
  it("signs in with an API token, refuses a wrong one, and keeps it in the tab's session storage only", async () => {
    alice = await browser.newPage();
    alice.on("request", (r) => {
      if (r.url().endsWith("/ResourceService/Watch")) aliceStreams.perKindWatches++;
      if (/\/(WatchMany|StreamBuildLogs)$/.test(r.url())) aliceStreams.open.add(r);
    });
    alice.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    alice.on("pageerror", (err) => blocked.push(err.message));
    alice.on("requestfinished", (r) => aliceStreams.open.delete(r));
    alice.on("requestfailed", (r) => aliceStreams.open.delete(r));
    await signIn(alice, "choreo_not-a-token");
    await expect.poll(() => alice.getByRole("alert").innerText(), { timeout: 10_000 }).toMatch(/unauthenticated|invalid|credential/i);
    await browser.screenshot(alice, "sign-in-refused");

    // By keyboard alone: Tab reaches the token field, Enter signs in.
    await alice.goto(url);
    await alice.keyboard.press("Tab");
    expect(await alice.evaluate("document.activeElement.id")).toBe("token");
    await alice.keyboard.type(tokens.alice!);
    await alice.keyboard.press("Enter");
    await expect.poll(() => text(alice, "subject"), { timeout: 10_000 }).toBe("token:alice");
    expect(await alice.evaluate("sessionStorage.getItem('choreo.credential')")).toBe(tokens.alice);
    expect(await alice.evaluate("localStorage.length")).toBe(0);
  }, 60_000);

  it("opens a sample component: each environment's artifact, readiness, URL and simulation, side by side", async () => {
    await apply(`${pipelineWithApproval}---\n${serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0")}`);
    await alice.goto(`${url}/#/o/default/c/greeter`);
    const development = alice.getByTestId("env-development");
    await expect.poll(() => development.innerText(), { timeout: 20_000 }).toMatch(/greeter-[0-9a-f]{8}/);
    const card = await development.innerText();
    expect(card).toMatch(/Ready/);
    expect(card).toMatch(/Simulated/);
    expect(card).toContain("ghcr.io/acme/greeter:1.0.0");
    expect(await alice.getByTestId("env-production").innerText()).toMatch(/Not deployed/);
    await browser.screenshot(alice, "component");
    // On a phone the page reflows: nothing wider than the screen but the tables, which scroll inside.
    await alice.setViewportSize({ width: 390, height: 844 });
    expect(await alice.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await browser.screenshot(alice, "component-phone");
    await alice.setViewportSize({ width: 1280, height: 900 });
  }, 150_000);

  it("shows what runs in an environment: the object tree live, and the pods' logs when asked", async () => {
    const runtime = alice.getByRole("region", { name: "Runtime" });
    // Deployment → ReplicaSet → Pod, as the data plane's agent reports it (simulated here, and marked so).
    await expect.poll(() => runtime.getByTestId("tree-Pod").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await runtime.getByTestId("tree-Deployment").innerText()).toMatch(/greeter/);
    expect(await runtime.getByTestId("tree-Pod").first().innerText()).toMatch(/Simulated/);
    await runtime.getByRole("button", { name: "Follow logs" }).click();
    await expect.poll(() => runtime.getByTestId("component-logs").innerText(), { timeout: 20_000 }).toMatch(/\[simulated\]/);
    await browser.screenshot(alice, "runtime");
    await runtime.getByRole("button", { name: "Stop following logs" }).click();
  }, 60_000);

  it("follows a build's log as the build runs", async () => {
    await apply(readFileSync(join(repoRoot, "samples/quotes-from-source/quotes-service.yaml"), "utf8"));
    await alice.goto(`${url}/#/o/default/c/quotes-service`);
    await alice.getByRole("button", { name: "Build now" }).click();
    await confirm(alice, "Build now");
    const log = alice.getByTestId("build-log");
    // Seen mid-build: the clone step's lines are there, the last step's not yet.
    await expect.poll(async () => {
      const t = await log.innerText();
      return t.includes("cloning") && !t.includes("reading the workload descriptor");
    }, { timeout: 30_000, interval: 50 }).toBe(true);
    await browser.screenshot(alice, "build-log-running");
    await expect.poll(() => log.innerText(), { timeout: 60_000 }).toContain("reading the workload descriptor");
    await expect.poll(() => alice.getByText("complete").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await browser.screenshot(alice, "build-log");
    // The page watched its seven kinds (component, binding, environments, project, pipeline,
    // promotions, builds) on one stream; the finished build's log stream is closed.
    await expect.poll(() => openStreams("WatchMany"), { timeout: 10_000 }).toBe(1);
    expect(openStreams("StreamBuildLogs")).toBe(0);
    expect(aliceStreams.perKindWatches).toBe(0);
  }, 150_000);

  it("rolls an environment back to the artifact it ran before, after confirmation", async () => {
    const development = alice.getByTestId("env-development");
    const artifact = async () => (await development.getByTestId("artifact").innerText().catch(() => "")).trim();
    // The new build is deployed to development on its own (auto-deploy): two artifacts in the history.
    await expect.poll(() => alice.getByRole("table").last().getByRole("row").filter({ hasText: "Build" }).count(), { timeout: 60_000 }).toBe(2);
    const before = await artifact();
    await development.getByRole("button", { name: "Roll back development" }).click();
    await confirm(alice, "Roll back development");
    await expect.poll(artifact, { timeout: 30_000 }).not.toBe(before);
    expect(await artifact()).toMatch(/^quotes-service-[0-9a-f]{8}$/);
    await expect.poll(() => alice.getByRole("table").last().getByRole("row").filter({ hasText: "Rollback" }).count(), { timeout: 30_000 }).toBe(1);
    await browser.screenshot(alice, "rolled-back");
  }, 120_000);

  it("shows production change without a reload when another principal approves the promotion", async () => {
    await alice.goto(`${url}/#/o/default/c/greeter`);
    await alice.getByTestId("env-development").getByRole("button", { name: "Promote to staging" }).click();
    await confirm(alice, "Promote to staging");
    await expect.poll(() => text(alice, "env-staging"), { timeout: 30_000 }).toMatch(/greeter-[0-9a-f]{8}/);
    // Only a tested artifact moves on: staging must run it Ready first, as a user would wait to see.
    await expect.poll(() => alice.getByTestId("env-staging").locator(".badge-ok", { hasText: /^Ready$/ }).count(), { timeout: 30_000 }).toBe(1);
    await alice.getByTestId("env-staging").getByRole("button", { name: "Promote to production" }).click();
    await confirm(alice, "Promote to production");
    await expect.poll(() => alice.getByText("AwaitingApproval").count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // alice may not approve her own promotion: the dialog says why and stays open.
    await alice.getByRole("button", { name: "Approve" }).click();
    const dialog = alice.getByRole("dialog", { name: "Approve" });
    await dialog.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => dialog.getByRole("alert").innerText().catch(() => ""), { timeout: 10_000 }).toMatch(/token:alice lacks permission promotions:approve/);
    await browser.screenshot(alice, "approve-refused");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    // Marks this document: a reload would lose the mark.
    await alice.evaluate("document.body.setAttribute('data-loaded-once', 'yes')");

    const carol = await browser.newPage();
    await signIn(carol, tokens.carol!);
    await carol.goto(`${url}/#/o/default/approvals`);
    await carol.getByRole("button", { name: "Approve" }).click();
    await confirm(carol, "Approve");
    await browser.screenshot(carol, "approvals");

    await expect.poll(() => text(alice, "env-production"), { timeout: 30_000 }).toMatch(/greeter-[0-9a-f]{8}/);
    expect(await alice.evaluate("document.body.getAttribute('data-loaded-once')")).toBe("yes");
    expect(await text(alice, "env-production")).toContain("ghcr.io/acme/greeter:1.0.0");
    await browser.screenshot(alice, "promoted");
    await carol.close();
  }, 150_000);

  it("draws a project's cell per environment: components, their endpoints by visibility, the gateways reaching them", async () => {
    await alice.goto(`${url}/#/o/default/p/default`);
    const cell = alice.getByTestId("cell-development");
    await expect.poll(() => cell.locator("desc").textContent(), { timeout: 20_000 }).toMatch(/greeter: [a-z-]+ \(Public\)/);
    expect(await cell.locator("desc").textContent()).toMatch(/quotes-service: [a-z-]+ \(Public\)/);
    // A public endpoint is drawn reached from the public gateway.
    expect(await cell.locator("path.edge-public").count()).toBeGreaterThanOrEqual(2);
    // The environment tabs follow the arrow keys, as a tab list does.
    await alice.getByRole("tab", { name: "development" }).focus();
    await alice.keyboard.press("ArrowRight");
    await alice.keyboard.press("ArrowRight");
    expect(await alice.getByRole("tab", { selected: true }).innerText()).toBe("production");
    const production = alice.getByTestId("cell-production");
    await expect.poll(() => production.locator("desc").textContent(), { timeout: 10_000 }).toMatch(/greeter: [a-z-]+ \(Public\)/);
    // quotes-service never went to production: drawn, but not deployed there.
    expect(await production.getByText("not deployed here", { exact: false }).count()).toBe(1);
    await browser.screenshot(alice, "project-cell");
  }, 60_000);

  it("lists organizations with their projects, and the organization's events as they happen", async () => {
    await alice.goto(`${url}/#/`);
    const card = alice.getByRole("listitem").filter({ has: alice.getByRole("heading", { name: "default" }) });
    await expect.poll(() => card.getByRole("link", { name: "default" }).count(), { timeout: 10_000 }).toBe(2);
    await alice.goto(`${url}/#/o/default/events`);
    // The promotions above left events on their objects (Promotion greeter-production-..., say).
    await expect.poll(() => alice.getByRole("row").filter({ hasText: "Promotion" }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await browser.screenshot(alice, "events");
  }, 60_000);

  it("shows a plane's agent connected, then disconnected once its agent stops", async () => {
    const admin = createClient(DataPlaneService, createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${tokens.admin}`), next(req))] }));
    await apply(`apiVersion: openchoreo.dev/v1alpha1
kind: DataPlane
metadata: {name: edge, namespace: default}
spec:
  kubernetesCluster: {name: edge, credentials: {apiServerURL: "local://edge", caCert: "", clientCert: "", clientKey: ""}}
  gateway: {publicVirtualHost: apps.localhost, organizationVirtualHost: internal.localhost}
  registry: {prefix: registry.localhost}
`, false);
    const { credential } = await admin.registerDataPlane({ namespace: "default", name: "edge" });
    const agent = startAgentProcess({ plane: "edge", token: credential, serverUrl: url, work: dir });

    await alice.goto(`${url}/#/o/default/planes`);
    const row = alice.getByTestId("plane-DataPlane-edge");
    await expect.poll(() => row.getByTestId("agent-state").innerText().catch(() => ""), { timeout: 30_000 }).toBe("Connected");
    await browser.screenshot(alice, "planes");
    agent.child.kill("SIGKILL");
    await agent.exited;
    await expect.poll(() => row.getByTestId("agent-state").innerText(), { timeout: 30_000 }).toBe("Disconnected");
    await browser.screenshot(alice, "plane-disconnected");
  }, 120_000);

  it("signs out by itself when the signed-in token is revoked (its watch stream ends)", async () => {
    await alice.goto(`${url}/#/o/default/planes`);
    await expect.poll(() => openStreams("WatchMany"), { timeout: 10_000 }).toBe(1);
    const revoked = await run(["token", "revoke", "alice"]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await expect.poll(() => alice.getByRole("alert").innerText().catch(() => ""), { timeout: 15_000 }).toMatch(/^Signed out: /);
    expect(await alice.getByLabel("API token").count()).toBe(1);
    expect(await alice.evaluate("sessionStorage.getItem('choreo.credential')")).toBeNull();
    await browser.screenshot(alice, "signed-out");
    // Through every view above: nothing the policy had to block, no script error.
    expect(blocked).toEqual([]);
  }, 60_000);
});
