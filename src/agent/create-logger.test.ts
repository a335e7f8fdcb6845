import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// util-linux `script` runs a command in a pseudo-terminal: the logger sees a TTY, as in a user's shell.
const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) console.warn("`script` (util-linux) is not installed: skipping createLogger's pseudo-terminal test");
const module = new URL("./create-logger.ts", import.meta.url).pathname;

/** Runs a process that logs one line with `format` to `fd`, in a pipe or in a pseudo-terminal. */
function logOnce(format: string, fd: 1 | 2, terminal: boolean): string {
  const program = `const { createLogger } = await import(${JSON.stringify(module)}); createLogger({ level: "info", format: ${JSON.stringify(format)}, fd: ${fd} }).info({ plane: "default" }, "connected");`;
  const node = [process.execPath, "--import", "tsx", "--input-type=module", "-e", program];
  const run = terminal
    ? spawnSync("script", ["-qec", node.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" "), "/dev/null"], { encoding: "utf8" })
    : spawnSync(node[0]!, node.slice(1), { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  // A pseudo-terminal merges both outputs and ends lines with CRLF; colours are escape sequences.
  const output = terminal ? run.stdout : fd === 1 ? run.stdout : run.stderr;
  return output.replace(/\r\n/g, "\n").replace(/\x1b\[[0-9;]*m/g, "");
}

describe("createLogger", () => {
  it("writes JSON lines into a pipe (auto), to the output it is given", () => {
    const line = JSON.parse(logOnce("auto", 2, false).trim());
    expect(line).toMatchObject({ level: 30, msg: "connected", plane: "default" });
  });

  it("writes text with format pretty, even into a pipe", () => {
    expect(logOnce("pretty", 1, false)).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: connected\n {4}plane: "default"\n$/);
  });

  it.skipIf(!hasScript)("writes text on a terminal (auto), and JSON there when asked", () => {
    expect(logOnce("auto", 2, true)).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: connected\n/);
    expect(JSON.parse(logOnce("json", 1, true).trim())).toMatchObject({ msg: "connected" });
  });
});
