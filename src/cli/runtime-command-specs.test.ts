import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commandSpecs, globalFlags } from "./command-specs.js";
import { completionScript } from "./completion-script.js";
import { formatTree } from "./run-tree.js";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ResourceTreeNodeSchema } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";

const dir = mkdtempSync(join(tmpdir(), "choreoctl-runtime-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What bash offers after typing `line`. */
function complete(line: string): string[] {
  const file = join(dir, "choreoctl.bash");
  writeFileSync(file, completionScript("bash", { commands: commandSpecs, globalFlags, kindNames: ["components"] }));
  const words = line.split(" ").map((w) => `'${w}'`);
  const run = `source ${file}; COMP_WORDS=(${words.join(" ")}); COMP_CWORD=${words.length - 1}; _choreoctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return spawnSync("bash", ["-c", run], { cwd: dir, encoding: "utf8", env: { PATH: "/usr/bin:/bin", HOME: dir } }).stdout.split("\n").filter(Boolean);
}

describe("logs and tree on the command line", () => {
  it("are offered by shell completion, with their flags", () => {
    expect(complete("choreoctl lo")).toEqual(expect.arrayContaining(["logs"]));
    expect(complete("choreoctl tr")).toEqual(["tree"]);
    expect(complete("choreoctl logs greeter --")).toEqual(expect.arrayContaining(["--env", "--container", "--follow", "--since", "--tail", "--timestamps", "--pod"]));
    expect(complete("choreoctl tree greeter --")).toEqual(expect.arrayContaining(["--env", "--watch"]));
  });

  it("prints one object a line, indented under its owner, with kind, name, health, age and what matters", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    const node = (kind: string, name: string, uid: string, parent: string[], extra: object = {}) =>
      create(ResourceTreeNodeSchema, { kind, name, uid, parentUids: parent, health: "Healthy", creationTime: timestampFromMs(now - 90_000), simulated: true, healthMessage: "Simulated: ok", ...extra });
    const text = formatTree(
      [
        node("Deployment", "shop", "d", []),
        node("ReplicaSet", "shop-1", "r", ["d"]),
        node("Pod", "shop-1-a", "p", ["r"], { health: "Degraded", pod: { phase: "Running", readyContainers: 0, totalContainers: 1, restarts: 3, lastTerminationReason: "Error" }, events: [{ type: "Warning", reason: "BackOff", message: "back-off" }] }),
        node("Service", "shop", "s", [], { simulated: false }),
      ],
      now,
    );
    expect(text.split("\n").map((l) => l.trimEnd())).toEqual([
      "OBJECT                HEALTH     AGE   SIMULATED   DETAIL",
      "Deployment/shop       Healthy    90s   yes         Simulated: ok",
      "  ReplicaSet/shop-1   Healthy    90s   yes         Simulated: ok",
      "    Pod/shop-1-a      Degraded   90s   yes         Running 0/1 ready, 3 restarts (last: Error) [BackOff: back-off]",
      "Service/shop          Healthy    90s               Simulated: ok",
      "",
    ]);
  });
});
