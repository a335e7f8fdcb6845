import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../serving/support/repo-root.js";
import { runCommand } from "../serving/support/run-command.js";
import { referencePresent, referenceSkipReason } from "../support/shared-reference.js";
import { useCliHarness } from "./support/cli-harness.js";

if (!referencePresent) console.warn(`${referenceSkipReason} (the quick start applies the samples)`);

/** The README's quick start: every line of docs/quickstart.sh that is not a comment. */
const commands = readFileSync(join(repoRoot, "docs", "quickstart.sh"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const readmeServer = "http://127.0.0.1:8080";

const cli = useCliHarness();

describe.skipIf(!referencePresent)("the quick start", () => {
  it("runs as written, from an empty choreoctl configuration to the samples applied and inspected", async () => {
    expect(commands[0]).toBe(`npx choreoctl config set-context local --server ${readmeServer}`);
    // A new user's machine: no config file yet. npx must find the repository's own bin, offline.
    const env = { ...cli().env, CHOREOCONFIG: join(cli().dir, "quickstart", "config.yaml"), npm_config_offline: "true", npm_config_update_notifier: "false" };
    const outputs: string[] = [];
    for (const command of commands) {
      const result = await runCommand("sh", ["-c", command.replaceAll(readmeServer, cli().url)], { cwd: repoRoot, env, timeoutMs: 150_000 });
      expect({ command, code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({ command, code: 0, stderr: "" });
      outputs.push(result.stdout);
    }
    const output = (prefix: string) => outputs[commands.findIndex((c) => c.startsWith(prefix))]!;
    expect(output("npx choreoctl version")).toMatch(/^Server: .* reachable, health SERVING/m);
    expect(output("npx choreoctl apply -R")).toMatch(/^environment\.openchoreo\.dev\/qa created$/m);
    expect(output("npx choreoctl apply -f docs/")).toBe("configurationgroup.openchoreo.dev/github created\n");
    expect(output("npx choreoctl apply -f ../shared")).toBe(
      "component.openchoreo.dev/greeter-service created\nworkload.openchoreo.dev/greeter-service created\nservice.openchoreo.dev/greeter-service created\n",
    );
    expect(output("npx choreoctl get components")).toMatch(/^greeter-service\s+default\s+Service\s+True\s/m);
    expect(output("npx choreoctl describe")).toMatch(/^Bindings:\n.*\n {2}development\s+ServiceBinding\s+greeter-service-development\s/m);
    expect(output("npx choreoctl status")).toMatch(/^Environments:\s+development \(Ready\) → qa \(Ready\) → preproduction \(Ready\) → production \(Ready\)/m);
    expect(output("npx choreoctl status")).toMatch(/^greeter-service\s+default\s+Service\s+Ready\s/m);
  }, 120_000);
});
