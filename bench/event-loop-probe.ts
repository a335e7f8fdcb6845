// Loaded into the server by `bench/convergence.ts --loop-probe` (node --import, named by
// BENCH_LOOP_PROBE_FILE): records each stretch in which a 10 ms timer could not run for more than
// 50 ms, with the time the server's main thread spent in it running and waiting for a core (Linux
// /proc/thread-self/schedstat), and writes them to that file at exit. On a shared machine a stretch is
// the loop held by our code (running), the thread waiting for a core, or blocked in a system call
// (the rest): these tell which.
import { readFileSync, writeFileSync } from "node:fs";

/**
 * One stretch: start and end (µs, the monotonic clock of process.hrtime), and the main thread's time
 * in it running and waiting for a core (ms).
 */
export type LoopStretch = readonly [startUs: number, endUs: number, runningMs: number, waitingMs: number];

const file = process.env.BENCH_LOOP_PROBE_FILE;
if (file) {
  const schedstat = (): [number, number] => {
    const [running, waiting] = readFileSync("/proc/thread-self/schedstat", "utf8").split(" ").map(Number);
    return [running! / 1e6, waiting! / 1e6];
  };
  const stretches: LoopStretch[] = [];
  let last = process.hrtime.bigint();
  let [lastRunning, lastWaiting] = schedstat();
  const tick = () => {
    const now = process.hrtime.bigint();
    const [running, waiting] = schedstat();
    if (now - last > 50_000_000n) stretches.push([Number(last / 1000n), Number(now / 1000n), running - lastRunning, waiting - lastWaiting]);
    last = now;
    lastRunning = running;
    lastWaiting = waiting;
    setTimeout(tick, 10).unref();
  };
  setTimeout(tick, 10).unref();
  process.on("exit", () => writeFileSync(file, JSON.stringify(stretches)));
}
