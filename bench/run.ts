// `npm run bench`: every benchmark, one after the other. Figures go into the README with the machine
// they were measured on; no test asserts them. `--quick` runs a small version of each (under two
// minutes: it shows that they run, not how fast); `--json FILE` also writes the figures measured
// against targets; `--only a,b` runs only the named benchmarks (model, store, runtime, convergence,
// memory, watch, read, planes, startup).
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { benchConvergence, describeConvergence, type ConvergenceResult } from "./convergence.js";
import { describeFigure, figure, type Figure } from "./figures.js";
import { benchMemory, describeMemory } from "./memory.js";
import { benchModel } from "./model.js";
import { benchPlanes, printPlanesBench } from "./planes.js";
import { benchReadPath, describeReadPath } from "./read-path.js";
import { benchRuntime, printRuntimeBench } from "./runtime.js";
import { benchStartup, printStartupBench, startupTargetMs } from "./startup.js";
import { benchStore } from "./store.js";
import { benchWatchFanOut, describeWatchFanOut } from "./watch-fan-out.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const optionValue = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] && !args[at + 1]!.startsWith("--") ? args[at + 1] : undefined;
};
const jsonFile = args.includes("--json") ? (optionValue("--json") ?? "bench-results.json") : undefined;
const only = optionValue("--only")?.split(",");
const runs = (name: string) => !only || only.includes(name);

const figures: Figure[] = [];
const report = (f: Figure) => {
  figures.push(f);
  console.log(`  → ${describeFigure(f)}`);
};
const machine = `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown cpu"}, load average ${loadavg()[0]!.toFixed(1)} at start`;
console.log(`${machine}${quick ? " (quick: small versions, figures not comparable)" : ""}`);

if (runs("model")) {
  console.log("\n## Resource model (per object)");
  benchModel();
}
if (runs("store")) {
  console.log("\n## Store");
  await benchStore(quick ? { writes: 200, watchers: 10, events: 100 } : {});
}
if (runs("runtime")) {
  console.log("\n## Reconcile runtime (no-op controller, memory store)");
  printRuntimeBench(await benchRuntime({ objects: quick ? 1_000 : 10_000, workers: 1 }));
}
if (runs("convergence")) {
  console.log("\n## Convergence (N from-image components in one Apply → all Ready through the embedded agent; server as npm start runs it)");
  const results: ConvergenceResult[] = [];
  for (const components of quick ? [20] : [300, 1_000, 3_000]) {
    const r = await benchConvergence({ components });
    results.push(r);
    console.log(describeConvergence(r));
    const bench = `convergence-${components}`;
    // 3,000 is measured and reported; the rate target holds for 300 and 1,000.
    report(figure(bench, "components Ready per second", r.perSecond, "/s", components <= 1_000 ? { value: 50, kind: "min" } : undefined));
    report(figure(bench, "event loop delay max", r.loopDelayMaxMs, "ms", { value: 100, kind: "max" }));
    report(figure(bench, "event loop delay p99", r.loopDelayP99Ms, "ms", { value: 100, kind: "max" }));
    report(figure(bench, "agent reconnects", r.agentReconnects, "reconnects", { value: 0, kind: "max" }));
    // "Far below the 4 MiB message limit": a quarter of it.
    report(figure(bench, "Apply response", r.applyResponseBytes / 1024, "KiB", { value: 1024, kind: "max" }));
  }
  const [small, large] = results;
  if (small && large) {
    const growth = large.readyMs / large.components / (small.readyMs / small.components);
    report(figure("convergence", `time per component, ${large.components} vs ${small.components}`, growth, "×", { value: 1.5, kind: "max" }));
  }
}
if (runs("memory")) {
  console.log("\n## Memory (control-plane RSS with N components Ready in one environment)");
  const components = quick ? 50 : 10_000;
  const r = await benchMemory({ components, batch: 1_000, settleMs: quick ? 2_000 : undefined });
  console.log(describeMemory(r));
  report(figure(`memory-${components}`, "server RSS", r.rssBytes / 1024 / 1024, "MiB", { value: 512, kind: "max" }));
  report(figure(`memory-${components}`, "server heap used", r.heapUsedBytes / 1024 / 1024, "MiB"));
}
if (runs("watch")) {
  console.log("\n## Watch fan-out (concurrent ResourceService.Watch streams, one update reaching all)");
  const r = await benchWatchFanOut(quick ? { streams: 50, rounds: 2 } : { streams: 500, rounds: 5 });
  console.log(describeWatchFanOut(r));
  report(figure(`watch-${r.streams}`, "update → every stream, p99", r.p99Ms, "ms", { value: 1_000, kind: "max" }));
}
if (runs("read")) {
  console.log("\n## Read path (GetComponent, 50 in flight from grpc-js in another process; ours vs a bare grpc-js server with the same bytes)");
  const r = await benchReadPath({ calls: quick ? 500 : 10_000 });
  console.log(describeReadPath(r));
  report(figure("read-path", "server CPU per call, ours / bare grpc-js", r.ours.cpuUsPerCall / r.bare.cpuUsPerCall, "×", { value: 2, kind: "max" }));
  report(figure("read-path", "p99, ours / bare grpc-js", r.ours.p99Ms / r.bare.p99Ms, "×", { value: 1.5, kind: "max" }));
}
if (runs("planes")) {
  console.log("\n## Plane agents (simulated agents over HTTP/2, SQLite)");
  const r = await benchPlanes(quick ? { agents: 10, objects: 5 } : { agents: 200, objects: 50 });
  printPlanesBench(r);
  report(figure(`planes-${r.agents}x${r.objects}`, "full sync", r.fullSyncMs / 1000, "s", { value: 30, kind: "max" }));
  report(figure(`planes-${r.agents}x${r.objects}`, "reconnect-storm resync", r.resyncMs / 1000, "s", { value: 30, kind: "max" }));
}
if (runs("startup")) {
  console.log(`\n## Start-up of the compiled entry points (best and median of ${quick ? 1 : 5}; issue #22's target: ${startupTargetMs} ms each)`);
  const startup = await benchStartup(quick ? 1 : 5);
  printStartupBench(startup);
  // Node.js alone is printed for scale, not held to the target.
  for (const f of startup.filter((f) => !f.name.startsWith("node -e"))) {
    report(figure("startup", `${f.name}, wall (best)`, f.bestWallMs, "ms", { value: startupTargetMs, kind: "max" }));
    if (f.bestCpuMs !== undefined) report(figure("startup", `${f.name}, CPU (best)`, f.bestCpuMs, "ms", { value: startupTargetMs, kind: "max" }));
  }
}

if (jsonFile) {
  writeFileSync(jsonFile, `${JSON.stringify({ machine, quick, date: new Date().toISOString(), figures }, null, 2)}\n`);
  console.log(`\nfigures written to ${jsonFile}`);
}
const missed = figures.filter((f) => f.met === false);
console.log(`\n${figures.length} figures against targets, ${missed.length} missed${quick ? " (quick run: the targets are for the full run)" : ""}`);
