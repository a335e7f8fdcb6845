// Loaded into the server by `bench/convergence.ts --loop-probe` (node --import, named by
// BENCH_LOOP_PROBE_FILE): records each stretch in which a 10 ms timer could not run for more than
// 50 ms, with the CPU time the server's main thread spent in it (/proc/thread-self/stat, Linux, 10 ms
// ticks), and writes them to that file at exit. On a shared machine a stretch is the loop held by
// our code or the thread waiting for a core; its CPU time tells which.
import { readFileSync, writeFileSync } from "node:fs";

/** One stretch: start and end (µs, the monotonic clock of process.hrtime), main-thread CPU ms in it. */
export type LoopStretch = readonly [startUs: number, endUs: number, cpuMs: number];

const file = process.env.BENCH_LOOP_PROBE_FILE;
if (file) {
  const mainThreadCpuMs = () => {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const stretches: LoopStretch[] = [];
  let last = process.hrtime.bigint();
  let lastCpu = mainThreadCpuMs();
  const tick = () => {
    const now = process.hrtime.bigint();
    const cpu = mainThreadCpuMs();
    if (now - last > 50_000_000n) stretches.push([Number(last / 1000n), Number(now / 1000n), cpu - lastCpu]);
    last = now;
    lastCpu = cpu;
    setTimeout(tick, 10).unref();
  };
  setTimeout(tick, 10).unref();
  process.on("exit", () => writeFileSync(file, JSON.stringify(stretches)));
}
