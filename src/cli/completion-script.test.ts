import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commandSpecs, globalFlags } from "./command-specs.js";
import { completionScript, type Shell } from "./completion-script.js";

const input = { commands: commandSpecs, globalFlags, kindNames: ["components", "comp", "environments", "env"] };
const dir = mkdtempSync(join(tmpdir(), "choreoctl-completion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "app.yaml"), "");
const hasZsh = spawnSync("zsh", ["-c", "true"]).status === 0;
if (!hasZsh) console.warn("zsh is not installed: skipping the zsh completion checks (apt-get install zsh)");

/** What the shell offers after typing `line` (the last word is the one completed), PATH without choreoctl. */
function complete(shell: Shell, line: string): string[] {
  const file = join(dir, `choreoctl.${shell}`);
  writeFileSync(file, completionScript(shell, input));
  const words = line.split(" ").map((w) => `'${w}'`);
  const run =
    shell === "bash"
      ? `source ${file}; COMP_WORDS=(${words.join(" ")}); COMP_CWORD=${words.length - 1}; _choreoctl; printf '%s\\n' "\${COMPREPLY[@]}"`
      : // zsh runs the shared core: the _describe glue needs a live completion widget.
        `compdef() { :; }; source ${file}; __choreoctl_complete ${words.at(-1)} ${words.slice(1, -1).join(" ")} | sed 's/:.*//'`;
  // HOME elsewhere: no ~/.bashrc or ~/.zshrc of the machine gets in.
  const result = spawnSync(shell, ["-c", run], { cwd: dir, encoding: "utf8", env: { PATH: "/usr/bin:/bin", HOME: dir } });
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter(Boolean);
}

const cases: [string, string[]][] = [
  ["choreoctl ge", ["get"]],
  ["choreoctl co", ["completion", "config"]],
  ["choreoctl get co", ["components", "comp"]],
  ["choreoctl -n shop describe env", ["environments", "env"]],
  ["choreoctl get -o ", ["yaml", "json", "wide", "name", "jsonpath="]],
  ["choreoctl config ", ["set-context", "use-context", "get-contexts", "current-context"]],
  ["choreoctl config get-contexts -o ", ["name"]],
  ["choreoctl completion ", ["bash", "zsh"]],
  ["choreoctl get --all", ["--all-namespaces"]],
  ["choreoctl apply --w", ["--wait"]],
  ["choreoctl get components --server ", []],
];

describe("bash completion", () => {
  it.each(cases)("%j offers %j", (line, expected) => {
    expect(complete("bash", line)).toEqual(expected);
  });

  it("offers files for -f", () => {
    expect(complete("bash", "choreoctl apply -f ap")).toEqual(["app.yaml"]);
  });
});

describe.skipIf(!hasZsh)("zsh completion", () => {
  it("is valid zsh", () => {
    writeFileSync(join(dir, "check.zsh"), completionScript("zsh", input));
    expect(spawnSync("zsh", ["-n", join(dir, "check.zsh")], { encoding: "utf8" }).stderr).toBe("");
  });

  // zsh filters by prefix itself: the core offers every candidate of the position.
  it.each([
    ["choreoctl ", commandSpecs.map((c) => c.name)],
    ["choreoctl get ", ["components", "comp", "environments", "env"]],
    ["choreoctl get -o ", ["yaml", "json", "wide", "name", "jsonpath="]],
    ["choreoctl apply -f ", ["__files__"]],
  ])("%j offers %j", (line, expected) => {
    expect(complete("zsh", line)).toEqual(expected);
  });
});
