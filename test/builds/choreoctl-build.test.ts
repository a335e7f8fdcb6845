import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { choreoctlInProcess } from "../cli/support/in-process-choreoctl.js";
import { startServer, type RunningServer } from "../../src/main/index.js";
import { createMemoryLogStore, type LogStore } from "../../src/store/index.js";
import { eventually, startPlatform, type Platform } from "../controllers/harness.js";
import { playArgo, type ArgoPlay } from "../support/fake-plane.js";
import { greeterComponent } from "./support/greeter.js";
import { testAccessControl } from "../support/test-tokens.js";

let platform: Platform | undefined;
let server: RunningServer | undefined;
let logStore: LogStore | undefined;
let dir = "";
let adminToken = "";
afterEach(async () => {
  await server?.close();
  await logStore?.close();
  await platform?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = undefined;
  platform = undefined;
});

/** The control plane in memory (the fake plane playing Argo), served over real gRPC, and a CLI config for it. */
async function start(fate: (build: string) => ArgoPlay = () => ({})): Promise<void> {
  platform = await startPlatform({ embeddedDefaults: true, fakePlanes: { argo: playArgo(fate) } });
  await eventually(() => platform!.get("Environment", "default", "development"), "the default organization");
  await platform.access.apply(greeterComponent);
  logStore = createMemoryLogStore();
  const { accessControl, tokens } = await testAccessControl(platform);
  adminToken = tokens.admin!;
  server = await startServer(
    { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 * 1024 * 1024, shutdownGraceMs: 200, corsOrigins: [] },
    { logger: pino({ level: "silent" }), metrics: new Registry(), resources: { access: platform.access, codec: platform.codec, store: platform.store, logStore, accessControl } },
  );
  dir = mkdtempSync(join(tmpdir(), "choreoctl-build-"));
  writeFileSync(join(dir, "config.yaml"), `currentContext: test\ncontexts:\n  - name: test\n    server: ${server.url}\n`);
}

/** choreoctl in this process, over real gRPC to the test server, as the platform admin. */
const choreoctl = (args: string[]) => choreoctlInProcess(args, dir, { env: { CHOREO_TOKEN: adminToken } });

describe("choreoctl build", () => {
  it("triggers a build, shows its steps while waiting, and reports the image", async () => {
    await start();
    const result = await choreoctl(["build", "trigger", "greeting-service", "--wait"]);
    expect(result.stderr).toContain("clone-step");
    expect(result.stderr).toContain("workload-create-step");
    expect(result.stdout).toMatch(/^build\.openchoreo\.dev\/greeting-service-build-1 created\n/);
    expect(result.stdout).toMatch(/build greeting-service-build-1: Succeeded, image registry\.localhost\/default-greeting-service:[0-9a-f]{12} in Workload go-greeter-service\n$/);
    expect(result.code).toBe(0);

    const list = await choreoctl(["build", "list", "greeting-service"]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^NAME\s+COMPONENT\s+PHASE\s+COMMIT\s+IMAGE\s+AGE/);
    expect(list.stdout).toMatch(/greeting-service-build-1\s+greeting-service\s+Succeeded\s+[0-9a-f]{12}\s+registry\.localhost/);

    const cancel = await choreoctl(["build", "cancel", "greeting-service-build-1"]);
    expect(cancel.stdout).toBe("build greeting-service-build-1 already ended: Succeeded\n");
  });

  it("exits 1 naming the failed step", async () => {
    await start(() => ({ failAt: { step: "build-step", message: "Dockerfile not found" } }));
    const result = await choreoctl(["build", "trigger", "greeting-service", "--wait"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("build greeting-service-build-1: Failed (step build-step failed: Dockerfile not found)");
  });

  it("prints a build's log, and follows it until it ends", async () => {
    await start((name) => (name.endsWith("-1") ? { holdAt: "build-step" } : {}));
    await choreoctl(["build", "trigger", "greeting-service"]);
    const key = "default/greeting-service-build-1";
    const text = "[Simulated] clone-step: cloned\n[Simulated] build-step: building\n";
    await logStore!.append(key, 0, new TextEncoder().encode(text));
    expect((await choreoctl(["build", "logs", "greeting-service-build-1"])).stdout).toBe(text);
    const following = choreoctl(["build", "logs", "greeting-service-build-1", "-f"]);
    const more = "[Simulated] push-step: pushed\n";
    await logStore!.append(key, Buffer.byteLength(text), new TextEncoder().encode(more));
    await logStore!.complete(key);
    expect((await following).stdout).toBe(text + more);
  });

  it("cancels a running build", async () => {
    await start(() => ({ holdAt: "build-step" }));
    await choreoctl(["build", "trigger", "greeting-service"]);
    await eventually(async () => ((await platform!.get("Build", "default", "greeting-service-build-1"))?.status as { phase?: string } | undefined)?.phase === "Running", "the build running");
    const cancel = await choreoctl(["build", "cancel", "greeting-service-build-1"]);
    expect(cancel.stdout).toBe("build greeting-service-build-1: cancellation requested; its Workflow is being terminated\n");
    await eventually(async () => ((await platform!.get("Build", "default", "greeting-service-build-1"))?.status as { phase?: string } | undefined)?.phase === "Cancelled", "the build cancelled");
  });

  it("says what is wrong with a command line", async () => {
    await start();
    const missing = await choreoctl(["build", "trigger"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("build trigger takes exactly one component");
    const bad = await choreoctl(["build", "trigger", "greeting-service", "--commit", "zzz"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("commit");
  });
});
