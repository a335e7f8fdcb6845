import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const bin = (name: string) => join(root, "node_modules", ".bin", name);

function run(cmd: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return out;
}

describe("contracts", () => {
  const scratch = mkdtempSync(join(tmpdir(), "choreo-gen-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("gen/ is exactly what `buf generate` produces from proto/", () => {
    const gen = run(bin("buf"), ["generate", "--template", "buf.gen.yaml", "-o", scratch]);
    expect(gen.status, gen.output).toBe(0);
    const fresh = filesUnder(join(scratch, "gen"));
    const committed = filesUnder(join(root, "gen"));
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [path, text] of fresh) expect(committed.get(path), `gen/${path} differs: run npm run generate`).toBe(text);
  });

  it("deploy/crds is exactly what the kind registry generates", () => {
    const out = join(scratch, "crds");
    const write = run(bin("tsx"), ["scripts/write-crds.ts", out]);
    expect(write.status, write.output).toBe(0);
    const fresh = filesUnder(out);
    const committed = filesUnder(join(root, "deploy", "crds"));
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [path, text] of fresh) expect(committed.get(path), `deploy/crds/${path} differs: run npm run generate`).toBe(text);
  });

  it("passes buf lint", () => {
    const lint = run(bin("buf"), ["lint"]);
    expect(lint.status, lint.output).toBe(0);
  });
});
