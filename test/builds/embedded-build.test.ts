import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useCliHarness } from "../cli/support/cli-harness.js";
import { referenceDir, referencePresent, referenceSkipReason } from "../support/shared-reference.js";

if (!referencePresent) console.warn(`${referenceSkipReason} (the embedded build applies a from-source sample)`);

const cli = useCliHarness();
const sample = join(referenceDir, "samples", "from-source", "services", "go-docker-greeter", "greeting-service.yaml");

/** Polls a choreoctl jsonpath read until it prints what is wanted. */
async function until(args: string[], wanted: RegExp, what: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const result = await cli().run(args);
    last = result.stdout + result.stderr;
    if (result.code === 0 && wanted.test(result.stdout)) return result.stdout;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(!referencePresent)("builds in the embedded mode (npm start: the default build plane's agent simulates Argo)", () => {
  it("builds a from-source sample with choreoctl, shows its simulated log, and deploys it to development", async () => {
    expect((await cli().run(["apply", "-f", sample])).code).toBe(0);
    const trigger = await cli().run(["build", "trigger", "greeting-service", "--wait", "--timeout", "2m"], { timeoutMs: 150_000 });
    expect(trigger.stderr).toContain("workload-create-step");
    expect(trigger.stdout).toMatch(/build greeting-service-build-2: Succeeded, image registry\.localhost\/default-greeting-service:[0-9a-f]{12} in Workload go-greeter-service/);
    expect(trigger.code).toBe(0);

    const logs = await cli().run(["build", "logs", "greeting-service-build-2"]);
    expect(logs.code).toBe(0);
    const lines = logs.stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line).toMatch(/^\[Simulated\]/);

    // The sample's own Build ran too; both are listed, newest first.
    const list = await cli().run(["build", "list", "greeting-service"]);
    expect(list.stdout.split("\n").slice(1, 3).map((l) => l.split(/\s+/)[0])).toEqual(["greeting-service-build-2", "greeting-service-build-01"]);

    await until(
      ["get", "servicebinding", "greeting-service-development", "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"],
      /^True/,
      "the binding in development Ready",
      90_000,
    );
    const image = await cli().run(["get", "workload", "go-greeter-service", "-o", "jsonpath={.spec.containers.main.image}"]);
    expect(image.stdout).toMatch(/^registry\.localhost\/default-greeting-service:[0-9a-f]{12}/);
    // The image exists nowhere: the build and the binding running it say so, beside Ready.
    const simulated = (kind: string, name: string) => cli().run(["get", kind, name, "-o", "jsonpath={.status.conditions[?(@.type=='Simulated')].message}"]);
    expect((await simulated("build", "greeting-service-build-2")).stdout).toMatch(/^BuildPlane "default" is simulated by its agent \(local driver\)/);
    const binding = await until(["get", "servicebinding", "greeting-service-development", "-o", "jsonpath={.status.conditions[?(@.type=='Simulated')].message}"], /comes from Build/, "the binding Simulated by its build");
    expect(binding).toMatch(/^DataPlane "default" is simulated by its agent \(local driver\).*; image registry\.localhost\/default-greeting-service:[0-9a-f]{12} comes from Build "greeting-service-build-2", which was simulated/);
  }, 240_000);
});
