import { execFile } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startClientRig, type ClientRig } from "./real-clients.js";

// scripts/run-against-cluster.ts is what an operator runs against a real cluster; CI runs it here
// against the double over TLS, so the script and the double keep agreeing (the double's own
// validation, not a test hook, refuses the script's invalid Service).
describe("scripts/run-against-cluster.ts against the double", () => {
  let rig: ClientRig;
  beforeEach(async () => {
    rig = await startClientRig();
  });
  afterEach(() => rig.close());

  it("passes every scenario with a kubeconfig to the double", async () => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      // Asynchronously: the double answers from this process.
      execFile("npx", ["tsx", "scripts/run-against-cluster.ts", "--kubeconfig", rig.kubeconfig], { timeout: 240_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(result.stdout, result.stderr).toMatch(/^6 passed, 0 failed$/m);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("ok   an object the API server rejects fails alone with its message");
  }, 300_000);
});
