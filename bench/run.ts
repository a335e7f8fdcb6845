// `npm run bench`: every benchmark, one after the other. Figures go into the README with the machine
// they were measured on; no test asserts them.
import { cpus } from "node:os";
import { benchModel } from "./model.js";
import { benchPlanes, printPlanesBench } from "./planes.js";
import { benchRuntime, printRuntimeBench } from "./runtime.js";
import { benchStartup, printStartupBench } from "./startup.js";
import { benchStore } from "./store.js";

console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown cpu"}`);
console.log("\n## Resource model (per object)");
benchModel();
console.log("\n## Store");
await benchStore();
console.log("\n## Reconcile runtime (no-op controller, memory store)");
printRuntimeBench(await benchRuntime({ objects: 10_000, workers: 1 }));
console.log("\n## Plane agents (simulated agents over HTTP/2, SQLite)");
printPlanesBench(await benchPlanes({ agents: 200, objects: 50 }));
console.log("\n## Start-up of the compiled entry points (best of 5)");
printStartupBench(await benchStartup());
