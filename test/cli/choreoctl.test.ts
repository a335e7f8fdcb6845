import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../serving/support/repo-root.js";
import { referenceDir, referencePresent, referenceSkipReason } from "../support/shared-reference.js";
import { choreoctl, startProcess, useCliHarness } from "./support/cli-harness.js";

if (!referencePresent) console.warn(`${referenceSkipReason} (choreoctl's sample tests)`);
// util-linux `script` runs a command in a pseudo-terminal: the CLI sees a TTY, as in a user's shell.
const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) console.warn("`script` (util-linux) is not installed: skipping choreoctl's pseudo-terminal tests");

const samplesDir = join(referenceDir, "samples");
const sample = (folder: string) => relative(repoRoot, join(samplesDir, folder));
/** Every folder of the samples that holds YAML files, relative to samples/. */
const sampleFolders = referencePresent ? foldersWithYaml(samplesDir).map((d) => relative(samplesDir, d)) : [];
const appliedLine = /^[a-z]+\.openchoreo\.dev\/[a-z0-9-]+ (created|configured|unchanged)$/;

// One server for the whole file: the tests build on each other's objects, in order.
const cli = useCliHarness();

describe.skipIf(!referencePresent)("choreoctl against a real server", () => {
  it("applies every sample folder, one line per object, and a second apply changes nothing", async () => {
    // Two calls, as one Apply must not hold one object twice: from-source's react-starter reconfigures
    // from-image's.
    const batches = [sampleFolders.filter((f) => !f.startsWith("from-source/")), sampleFolders.filter((f) => f.startsWith("from-source/"))];
    for (const folders of batches) {
      const result = await cli().run(["apply", ...folders.flatMap((f) => ["-f", sample(f)])]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split("\n");
      expect(lines).toHaveLength(folders.reduce((n, f) => n + documentCount(join(samplesDir, f)), 0));
      for (const line of lines) expect(line).toMatch(appliedLine);
    }
    const again = await cli().run(["apply", "-R", "-f", sample("from-source")]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim().split("\n").filter((l) => !l.endsWith(" unchanged"))).toEqual([]);
  });

  it("gets a table from the kind's printer columns, and the objects as YAML, JSON, names or a wide table", async () => {
    const [table, yamlList, jsonOne, names, wide] = await Promise.all([
      cli().run(["get", "components"]),
      cli().run(["get", "comp", "-o", "yaml"]),
      cli().run(["get", "components.openchoreo.dev", "greeter-service", "-o", "json"]),
      // KIND/NAME, as -o name prints them, are taken back.
      cli().run(["get", "component.openchoreo.dev/greeter-service", "component.openchoreo.dev/react-starter", "-o", "name"]),
      cli().run(["get", "env", "-o", "wide"]),
    ]);
    for (const r of [table, yamlList, jsonOne, names, wide]) expect([r.code, r.stderr]).toEqual([0, ""]);

    const [header, ...rows] = table.stdout.trim().split("\n");
    // SIMULATED: the embedded planes only simulate what they run (empty until the bindings say so).
    expect(header!.split(/\s+/)).toEqual(["NAME", "PROJECT", "TYPE", "READY", "SIMULATED", "AGE"]);
    const greeter = rows.find((r) => r.startsWith("greeter-service "))!.split(/\s+/);
    expect(greeter.slice(0, 3)).toEqual(["greeter-service", "default", "Service"]);
    expect(greeter.at(-1)).toMatch(/^\d+s$/);

    const list = parse(yamlList.stdout);
    expect(list).toMatchObject({ apiVersion: "v1", kind: "List" });
    expect(list.items.map((i: { spec: { type: string } }) => i.spec.type)).toEqual(expect.arrayContaining(["Service", "ScheduledTask", "WebApplication"]));
    expect(JSON.parse(jsonOne.stdout)).toMatchObject({ kind: "Component", metadata: { name: "greeter-service" }, spec: { type: "Service" } });
    expect(names.stdout).toBe("component.openchoreo.dev/greeter-service\ncomponent.openchoreo.dev/react-starter\n");
    // -o wide adds the columns of priority 1: why an object is not Ready.
    expect(wide.stdout.split("\n")[0]!.split(/\s+/)).toEqual(["NAME", "DATAPLANE", "PRODUCTION", "DNSPREFIX", "READY", "REASON", "AGE"]);
  });

  it("selects by label, and lists across namespaces", async () => {
    const [selected, all] = await Promise.all([
      cli().run(["get", "servicebindings", "-l", "openchoreo.dev/component=greeter-service", "-o", "name"]),
      cli().run(["get", "projects", "-A"]),
    ]);
    expect(selected.stdout).toBe("servicebinding.openchoreo.dev/greeter-service-development\n");
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+.*\ndefault\s+default\s/);
  });

  it("watches: the list, then each change as it happens", async () => {
    const watch = cli().start(["get", "components", "-w"]);
    try {
      await watch.waitFor(/^NAME\s+PROJECT\s+TYPE\s+READY\s+SIMULATED\s+AGE\n(.*\n)*greeter-service\s/m);
      const applied = await cli().run(["apply", "-f", "-"], { input: [component("watched-a", "WebApplication"), component("watched-b", "Service")].join("---\n") });
      expect(applied.stdout).toBe("component.openchoreo.dev/watched-a created\ncomponent.openchoreo.dev/watched-b created\n");
      await watch.waitFor(/^watched-a\s+default\s+WebApplication\s(.*\n)*watched-b\s+default\s+Service\s/m);
    } finally {
      expect(await watch.stop("SIGINT")).toBe(130);
    }
    expect(watch.stderr()).toBe("");
  });

  it("describes an object: spec, status, conditions, its bindings per environment and its events", async () => {
    const result = await cli().run(["describe", "component", "greeter-service"]);
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^Name:\s+greeter-service$/m);
    expect(out).toMatch(/^Kind:\s+Component \(openchoreo\.dev\/v1alpha1\)$/m);
    expect(out).toMatch(/^Spec:\n {2}owner:\n {4}projectName: default\n {2}type: Service$/m);
    expect(out).toMatch(/^Conditions:\n {2}TYPE\s+STATUS\s+REASON\s+AGE\s+MESSAGE$/m);
    expect(out).toMatch(/^ {2}Ready\s+(True|False)\s+\w+/m);
    expect(out).toMatch(/^Bindings:\n {2}ENVIRONMENT\s+KIND\s+NAME\s+STATE\s+READY\s+URL\n {2}development\s+ServiceBinding\s+greeter-service-development\s+Active\s/m);
    expect(out).toMatch(/^Events:\n {2}TYPE\s+REASON\s+AGE\s+FROM\s+MESSAGE\n {2}Normal\s+\w+/m);
  });

  it("shows the organization at a glance", async () => {
    const result = await cli().run(["status"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Organization default: Ready$/m);
    expect(result.stdout).toMatch(/^Planes:\s+DataPlane default \(.+\), BuildPlane default \(.+\)$/m);
    // The samples' pipeline orders the environments.
    expect(result.stdout).toMatch(/^Environments:\s+development \(Ready\) → qa \(Ready\) → preproduction \(Ready\) → production \(Ready\)/m);
    expect(result.stdout).toMatch(/^Simulated:\s+DataPlane default, BuildPlane default \(nothing runs there/m);
    expect(result.stdout).toMatch(/^PROJECT\s+READY\s+SIMULATED\s+COMPONENTS\ndefault\s+\w+\s+(True\s+)?\d+$/m);
    expect(result.stdout).toMatch(/^COMPONENT\s+PROJECT\s+TYPE\s+READY\s+SIMULATED\s+DEVELOPMENT\s+QA\s+PREPRODUCTION\s+PRODUCTION\s+STAGING$/m);
    expect(result.stdout).toMatch(/^greeter-service\s+default\s+Service\s+\S+\s+(True\s+)?\S+\s+-\s+-\s+-\s+-$/m);
  });

  it("waits for Ready with plain progress lines when not on a terminal", async () => {
    // The sample reads a ConfigurationGroup it does not ship; the quick start applies it first too.
    expect((await cli().run(["apply", "-f", "docs/samples/github-configuration-group.yaml"])).code).toBe(0);
    const result = await cli().run(["apply", "-f", sample("from-image/go-greeter-service"), "--wait", "--timeout", "30s"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^component\.openchoreo\.dev\/greeter-service: Ready$/m);
    expect(result.stderr).not.toMatch(/\x1b/);
  });

  it("makes plain that the embedded plane is simulated: Ready stays True, SIMULATED in get, a line in describe and status", async () => {
    // The component is Ready (the test above); the project rolls up its components shortly after.
    // Polled: choreoctl get has no --wait for a condition other than Ready.
    const simulatedRow = async (kind: string, name: string) => {
      for (const deadline = Date.now() + 20_000; ; ) {
        const table = await cli().run(["get", kind, name]);
        const [header, row] = table.stdout.trim().split("\n");
        const columns = header!.split(/\s+/);
        const cells = row!.split(/\s+/);
        if (cells[columns.indexOf("SIMULATED")] === "True" || Date.now() > deadline) return { ready: cells[columns.indexOf("READY")], simulated: cells[columns.indexOf("SIMULATED")] };
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    for (const [kind, name] of [["servicebinding", "greeter-service-development"], ["component", "greeter-service"]]) {
      expect(await simulatedRow(kind!, name!), `${kind} ${name}`).toEqual({ ready: "True", simulated: "True" });
    }
    // The project holds the samples' other components too, some never Ready here (their builds).
    expect((await simulatedRow("project", "default")).simulated).toBe("True");
    const described = await cli().run(["describe", "component", "greeter-service"]);
    expect(described.stdout).toMatch(/^Simulated:\s+1 of 1 ServiceBinding simulated \(greeter-service-development\): DataPlane "default" is simulated by its agent \(local driver\)/m);
    expect(described.stdout).toMatch(/^ {2}Simulated\s+True\s+SimulatedPlane\s/m);
    const status = await cli().run(["status"]);
    expect(status.stdout).toMatch(/^greeter-service\s+default\s+Service\s+Ready\s+True\s/m);
  });

  it("deletes by file and by name", async () => {
    const file = join(cli().dir, "watched.yaml");
    writeFileSync(file, `${component("watched-a", "WebApplication")}---\n${component("watched-b", "Service")}`);
    const [byFile, byName] = await Promise.all([
      cli().run(["delete", "-f", file]),
      cli().run(["delete", "component", "react-starter", "nope", "--ignore-not-found"]),
    ]);
    expect(byFile.stdout).toBe("component.openchoreo.dev/watched-a deleted\ncomponent.openchoreo.dev/watched-b deleted\n");
    expect([byName.code, byName.stdout, byName.stderr]).toEqual([0, "component.openchoreo.dev/react-starter deleted\n", ""]);
  });
});

describe("choreoctl errors: one clear line, a non-zero exit", () => {
  it("names the file, document and field of an invalid manifest, writes nothing, and says what is missing", async () => {
    const file = join(cli().dir, "bad.yaml");
    writeFileSync(file, `${component("fine", "Service")}---\n${component("bad", "Servce")}`);
    const result = await cli().run(["apply", "-f", file]);
    expect([result.code, result.stdout]).toEqual([1, ""]);
    expect(result.stderr).toMatch(new RegExp(`^error: ${relative(repoRoot, file).replace(/\./g, "\\.")}: document 2 \\(Component bad\\): spec\\.type: .*Service.*\\n$`));
    const get = await cli().run(["describe", "component", "fine"]);
    expect([get.code, get.stderr]).toEqual([1, "error: component.openchoreo.dev/fine not found in namespace default\n"]);
  });

  it("applies documents in order as kubectl does: the same object twice in one run is created, then configured", async () => {
    const dir = join(cli().dir, "twice");
    mkdirSync(join(dir, "more"), { recursive: true });
    writeFileSync(join(dir, "a.yaml"), component("twice", "Service"));
    writeFileSync(join(dir, "more", "b.yaml"), component("twice", "Service").replace("spec:", "  labels:\n    tier: backend\nspec:"));
    const result = await cli().run(["apply", "-R", "-f", dir]);
    expect([result.code, result.stdout, result.stderr]).toEqual([0, "component.openchoreo.dev/twice created\ncomponent.openchoreo.dev/twice configured\n", ""]);
    const stored = await cli().run(["get", "component", "twice", "-o", "jsonpath={.metadata.labels.tier}"]);
    expect(stored.stdout.trim()).toBe("backend");
  });

  it("reports a document the server refuses, applies the others, and exits non-zero", async () => {
    const file = join(cli().dir, "refused.yaml");
    // The second document changes an immutable field of the first: valid alone, refused once the first exists.
    writeFileSync(file, [component("kept", "Service"), component("kept", "WebApplication"), component("after", "Service")].join("---\n"));
    const result = await cli().run(["apply", "-f", file]);
    expect([result.code, result.stdout]).toEqual([1, "component.openchoreo.dev/kept created\ncomponent.openchoreo.dev/after created\n"]);
    expect(result.stderr).toMatch(new RegExp(`^error: ${relative(repoRoot, file).replace(/\./g, "\\.")}: document 2 \\(Component kept\\): .*spec\\.type.*\\n$`));
  });
});

describe("choreoctl version and completion", () => {
  it("prints the client version and the server's health", async () => {
    const result = await cli().run(["version"]);
    const version = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version;
    expect(result.stdout).toBe(
      `Client: choreoctl ${version} (Node.js ${process.version})\nServer: ${cli().url} reachable, health SERVING; version not reported (the API has no version call)\n`,
    );
  });

  it("prints bash completion with every kind, which completes object names from the server", async () => {
    const bash = await cli().run(["completion", "bash"]);
    for (const kind of ["components", "servicebindings", "deploymentpipelines", "comp"]) expect(bash.stdout).toContain(` '${kind}'`);
    expect(bash.stdout).toContain("complete -F _choreoctl choreoctl");

    // A `choreoctl` on PATH, as an installed one would be, so the script can ask the server for names.
    const bin = join(cli().dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "choreoctl"), `#!/bin/sh\nexec "${process.execPath}" "${choreoctl}" "$@"\n`);
    chmodSync(join(bin, "choreoctl"), 0o755);
    writeFileSync(join(cli().dir, "choreoctl.bash"), bash.stdout);
    const run = `source choreoctl.bash; COMP_WORDS=(choreoctl get environments prod); COMP_CWORD=3; _choreoctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync("bash", ["-c", run], { cwd: cli().dir, encoding: "utf8", env: { ...cli().env, PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("production\n");
  });
});

describe.skipIf(!hasScript)("apply --wait on a terminal", () => {
  const showCursor = "\x1b[?25h";
  const tick = "\x1b[32m✔\x1b[39m";
  const cross = "\x1b[31m✖\x1b[39m";

  /** `choreoctl apply -f FILE --wait ...` in a 100-column pseudo-terminal; -e: script exits with its code. */
  const applyInTerminal = (name: string, complete: boolean, flags: string) => {
    const file = join(cli().dir, `${name}.yaml`);
    writeFileSync(file, (complete ? serviceComponent(name) : [component(name, "Service")]).join("---\n"));
    const command = `stty cols 100 rows 30; exec "${process.execPath}" "${choreoctl}" apply -f ${file} --wait ${flags}`;
    return startProcess("script", ["-qfec", command, "/dev/null"], cli().env);
  };
  /** What the terminal shows from the moment the cursor is hidden. */
  const drawing = (out: string) => {
    expect(out).toContain("\x1b[?25l");
    return out.slice(out.indexOf("\x1b[?25l"));
  };

  it("draws a live task list, ends with every object ticked, and gives the cursor back", async () => {
    const run = applyInTerminal("tty-ready", true, "--timeout 60s");
    expect(await run.exited).toBe(0);
    const out = run.stdout();
    expect(out).toContain("component.openchoreo.dev/tty-ready created\r\n");
    const frames = drawing(out);
    expect(frames).toContain("Waiting up to 60s for 3 objects to be Ready");
    const lastFrame = frames.slice(frames.lastIndexOf("3 of 3 Ready"));
    for (const kind of ["component", "workload", "service"]) expect(lastFrame).toContain(`${tick} ${kind}.openchoreo.dev/tty-ready`);
    expect(out.trimEnd().endsWith(showCursor)).toBe(true);
  });

  it("on timeout, crosses out what is not Ready, restores the terminal, then prints one error line", async () => {
    // A component without its Workload and Service stays not Ready, saying why.
    const run = applyInTerminal("tty-late", false, "--timeout 2s");
    expect(await run.exited).toBe(1);
    const frames = drawing(run.stdout());
    const lastFrame = frames.slice(frames.lastIndexOf("Timed out after 2s: 0 of 1 Ready"));
    expect(lastFrame).toContain(`${cross} component.openchoreo.dev/tty-late  not Ready: `);
    const [beforeError, error] = lastFrame.split(showCursor);
    expect(beforeError).not.toContain("error:");
    expect(error!.trim()).toMatch(/^error: timed out after 2s: not Ready: component\.openchoreo\.dev\/tty-late \(\w+\)$/);
  });

  it("stops on Ctrl-C, leaving the terminal as it found it", async () => {
    const run = applyInTerminal("tty-interrupted", false, "--timeout 60s");
    await run.waitFor(/not Ready: \w+/);
    run.child.stdin.write("\x03");
    expect(await run.exited).toBe(130);
    const frames = drawing(run.stdout());
    expect(frames).toContain("Interrupted: 0 of 1 Ready");
    expect(frames.trimEnd().endsWith(showCursor)).toBe(true);
    expect(frames).not.toContain("error:");
  });
});

function component(name: string, type: string): string {
  return `apiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  owner:\n    projectName: default\n  type: ${type}\n`;
}

/** A Service component that becomes Ready: the component, its Workload and its Service. */
function serviceComponent(name: string): string[] {
  const head = (kind: string) => `apiVersion: openchoreo.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n  owner:\n    projectName: default\n    componentName: ${name}\n`;
  return [component(name, "Service"), `${head("Workload")}  containers:\n    main:\n      image: nginx:1.27\n`, `${head("Service")}  workloadName: ${name}\n`];
}

function foldersWithYaml(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && /\.ya?ml$/.test(e.name)) ? [dir] : [];
  return [...here, ...entries.filter((e) => e.isDirectory()).flatMap((e) => foldersWithYaml(join(dir, e.name)))].sort();
}

function documentCount(folder: string): number {
  return readdirSync(folder)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => parseAllDocuments(readFileSync(join(folder, f), "utf8")).filter((d) => d.toJS() !== null)).length;
}
