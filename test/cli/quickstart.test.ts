import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../serving/support/repo-root.js";
import { runCommand } from "../serving/support/run-command.js";
import { useCliHarness } from "./support/cli-harness.js";

/** The README's quick start: every line of docs/quickstart.sh that is not a comment. */
const commands = readFileSync(join(repoRoot, "docs", "quickstart.sh"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const readmeServer = "http://127.0.0.1:8080";
const readmeDataDir = ".choreo/";

const cli = useCliHarness();

describe("the quick start", () => {
  it("uses only the repository's own files", () => {
    for (const command of commands) expect(command, command).not.toMatch(/\.\.\/|shared\//);
  });

  it("runs as written, from an empty choreoctl configuration to every sample Ready and inspected", async () => {
    expect(commands[0]).toMatch(new RegExp(`^npx choreoctl config set-context local --server ${readmeServer.replace(/\./g, "\\.")}( |$)`));
    // A new user's machine: no config file yet. npx must find the repository's own bin, offline.
    const env = { ...cli().env, CHOREOCONFIG: join(cli().dir, "quickstart", "config.yaml"), npm_config_offline: "true", npm_config_update_notifier: "false" };
    const outputs: string[] = [];
    for (const command of commands) {
      const written = command.replaceAll(readmeServer, cli().url).replaceAll(readmeDataDir, `${join(cli().dir, "data")}/`);
      const result = await runCommand("sh", ["-c", written], { cwd: repoRoot, env, timeoutMs: 200_000 });
      expect({ command, code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({ command, code: 0, stderr: "" });
      outputs.push(result.stdout);
    }
    const output = (prefix: string) => outputs[commands.findIndex((c) => c.startsWith(prefix))]!;
    expect(output("npx choreoctl version")).toMatch(/^Server: .* reachable, health SERVING/m);
    expect(output("npx choreoctl apply -f samples/platform")).toBe("deploymentpipeline.openchoreo.dev/default configured\nenvironment.openchoreo.dev/qa created\n");
    expect(output("npx choreoctl apply -f samples/hello-service")).toBe(
      [
        "configurationgroup.openchoreo.dev/hello-settings created",
        "component.openchoreo.dev/hello-service created",
        "workload.openchoreo.dev/hello-service created",
        "service.openchoreo.dev/hello-service created",
        "",
      ].join("\n"),
    );
    expect(output("npx choreoctl describe")).toMatch(/^Bindings:\n.*\n {2}development\s+ServiceBinding\s+hello-service-development\s/m);
    expect(output("npx choreoctl describe")).toContain("https://development.choreoapis.localhost/default/hello-service/hello");
    expect(output("npx choreoctl apply -f samples/api-policies")).toContain("service.openchoreo.dev/catalog-service created\n");
    expect(output("npx choreoctl apply -f samples/quotes-from-source")).toContain("build.openchoreo.dev/quotes-service-build-1 created\n");

    const status = output("npx choreoctl status");
    expect(status).toMatch(/^Environments:\s+development \(Ready\) → qa \(Ready\) → staging \(Ready\) → production \(Ready\)/m);
    for (const [name, type] of [
      ["hello-service", "Service"],
      ["welcome-page", "WebApplication"],
      ["nightly-report", "ScheduledTask"],
      ["catalog-service", "Service"],
      ["quotes-service", "Service"],
    ]) {
      expect(status).toMatch(new RegExp(`^${name}\\s+default\\s+${type}\\s+Ready\\s`, "m"));
    }
  }, 600_000);
});
