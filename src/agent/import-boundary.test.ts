import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const allowed = ["gen/", "src/model/", "src/agent/"];

// Static imports and re-exports, type-only ones included (a type import still couples to the server),
// side-effect imports and dynamic imports of a literal.
const specifiers = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*\(?\s*["']([^"']+)["']/g;

/** Every repository file reached from the roots through relative imports, transitively. */
function importGraph(roots: readonly string[]): Map<string, string> {
  const reachedFrom = new Map<string, string>();
  const queue: (readonly [string, string])[] = roots.map((file) => [file, "(root)"]);
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [file, from] = next;
    if (reachedFrom.has(file)) continue;
    reachedFrom.set(file, from);
    const source = readFileSync(join(root, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "");
    for (const match of source.matchAll(specifiers)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith(".")) continue;
      const target = relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, ".ts");
      queue.push([target, file]);
    }
  }
  return reachedFrom;
}

const outside = (graph: Map<string, string>) =>
  [...graph].filter(([file]) => !allowed.some((prefix) => file.startsWith(prefix))).map(([file, from]) => `${file} (imported by ${from})`);

describe("agent import boundary", () => {
  it("reaches only the contract (gen/), the model and the agent itself from src/agent", () => {
    const roots = readdirSync(join(root, "src/agent"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => `src/agent/${f}`);
    const graph = importGraph(roots);
    // The walk really follows imports: the contract and the checksum are reached.
    expect(graph.has("gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.ts")).toBe(true);
    expect(graph.has("src/model/object-checksum.ts")).toBe(true);
    expect(outside(graph)).toEqual([]);
  });

  it("would notice a file outside the boundary (the model's index reaches src/errors, so the agent imports model files directly)", () => {
    expect(outside(importGraph(["src/model/index.ts"]))).toContainEqual(expect.stringMatching(/^src\/errors\//));
  });
});
