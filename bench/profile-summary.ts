// Summarises a V8 CPU profile (`node --cpu-prof`, as `bench/convergence.ts --cpu-prof DIR` writes for
// the server): the share of samples spent in each of our files or each package (self time), and in
// each file including what it calls (total time), the way the README's profile tables show them.
// Run with `tsx bench/profile-summary.ts FILE.cpuprofile [rows]`.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

export interface ProfileShare {
  readonly name: string;
  /** Percent of all samples. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly samples: number;
  /** Samples in the idle loop (waiting for I/O), percent. */
  readonly idlePercent: number;
  /** Where the CPU was, by our file or by package, self time. */
  readonly selfByPlace: ProfileShare[];
  /** Our files including everything they call (a file counted once per stack). */
  readonly totalByFile: ProfileShare[];
  /** Functions by self time. */
  readonly selfByFunction: ProfileShare[];
}

/** `src/...` for our files, the package for dependencies, `(gc)`, `(node)` for Node's own. */
function placeOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const inModules = url.lastIndexOf("node_modules/");
  if (inModules >= 0) {
    const rest = url.slice(inModules + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith("node:")) return "(node)";
  const ours = /\/(src|gen|bench)\/(.*)$/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

const top = (counts: Map<string, number>, total: number, rows: number): ProfileShare[] =>
  [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([name, count]) => ({ name, percent: (100 * count) / total }));

export function summariseProfile(profile: Profile, rows = 12): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const functions = new Map<string, number>();
  let idle = 0;
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === "(idle)") {
      idle++;
      continue;
    }
    const place = placeOf(node);
    self.set(place, (self.get(place) ?? 0) + 1);
    const fn = `${node.callFrame.functionName || "(anonymous)"} (${place})`;
    functions.set(fn, (functions.get(fn) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const file = placeOf(byId.get(at)!);
      if (!file.startsWith("src/") || seen.has(file)) continue;
      seen.add(file);
      total.set(file, (total.get(file) ?? 0) + 1);
    }
  }
  const busy = profile.samples.length - idle;
  return {
    samples: profile.samples.length,
    idlePercent: (100 * idle) / profile.samples.length,
    selfByPlace: top(self, busy, rows),
    totalByFile: top(total, busy, rows),
    selfByFunction: top(functions, busy, rows),
  };
}

export function printProfileSummary(s: ProfileSummary): void {
  const rows = (title: string, shares: ProfileShare[]) => {
    console.log(`  ${title}`);
    for (const share of shares) console.log(`    ${share.percent.toFixed(1).padStart(5)}%  ${share.name}`);
  };
  console.log(`  ${s.samples} samples, ${s.idlePercent.toFixed(0)}% idle; shares below are of the busy samples`);
  rows("self time by file or package:", s.selfByPlace);
  rows("total time by our file (itself and what it calls):", s.totalByFile);
  rows("self time by function:", s.selfByFunction);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, rows] = process.argv.slice(2);
  if (!file) throw new Error("usage: tsx bench/profile-summary.ts FILE.cpuprofile [rows]");
  printProfileSummary(summariseProfile(JSON.parse(readFileSync(file, "utf8")) as Profile, rows ? Number(rows) : 12));
}
