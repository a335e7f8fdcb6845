import { describe, expect, it } from "vitest";
import { useCliHarness } from "./support/cli-harness.js";

// npm start with CHOREO_AGENT_SIMULATION=0: the embedded agents record what they are sent and run
// nothing, and announce no simulation, so no status claims one (workloads stay Unknown instead).
const cli = useCliHarness({ CHOREO_AGENT_SIMULATION: "0" });

/** Polls a choreoctl read until it prints what is wanted. */
async function until(args: string[], wanted: RegExp, what: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await cli().run(args);
    if (result.code === 0 && wanted.test(result.stdout)) return result.stdout;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${result.stdout}${result.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the embedded planes with simulation off", () => {
  it("deliver a component without any status saying Simulated, and without a SIMULATED value in get", async () => {
    expect((await cli().run(["apply", "-f", "samples/hello-service"])).code).toBe(0);
    const ready = (kind: string, name: string) => ["get", kind, name, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].reason}"];
    // Applied by the agent, health unknown: everything a Simulated condition would be decided from is in.
    await until(ready("servicebinding", "hello-service-development"), /^HealthUnknown\s*$/, "the binding applied, its health unknown");
    const rolledUp = ["get", "component", "hello-service", "-o", "jsonpath={.status.conditions[?(@.type=='BindingsReady')].message}"];
    await until(rolledUp, /hello-service-development \(HealthUnknown\)/, "the component rolled up");
    for (const [kind, name] of [["release", "hello-service-development"], ["servicebinding", "hello-service-development"], ["component", "hello-service"], ["project", "default"]]) {
      const conditions = await cli().run(["get", kind!, name!, "-o", "jsonpath={.status.conditions[*].type}"]);
      expect(conditions.stdout, `${kind} ${name}`).toMatch(/Ready/);
      expect(conditions.stdout, `${kind} ${name}`).not.toMatch(/Simulated/);
    }
    const table = await cli().run(["get", "components"]);
    const [header, row] = table.stdout.trim().split("\n");
    expect(header!.split(/\s+/)).toEqual(["NAME", "PROJECT", "TYPE", "READY", "SIMULATED", "AGE"]);
    // READY False, SIMULATED empty, then the age.
    expect(row).toMatch(/^hello-service\s+default\s+Service\s+False\s+\d+s$/);
    const status = await cli().run(["status"]);
    expect(status.stdout).not.toMatch(/^Simulated:/m);
  }, 120_000);
});
