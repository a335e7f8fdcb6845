// A store server in a child process, for the tests that need a real process to die or compete:
//   hold <dir>             open the store, print "ready", wait to be killed
//   open <dir>             open the store, print "opened" and exit 0, or print the error and exit 3
//   burst <dir> <prefix>   open the store and write until killed, printing "? <write>" before each
//                          write and "<write>" once it is acknowledged
import { create } from "@bufbuild/protobuf";
import {
  file_openchoreo_model_v1alpha1_project,
  ProjectSchema,
} from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { createSystemClock } from "../../../src/core/clock.js";
import { createKindRegistry } from "../../../src/model/index.js";
import { createSqliteStore } from "../../../src/store/index.js";

const [mode, dataDir, prefix = "p"] = process.argv.slice(2);
// Only the kind it writes: loading every generated file would double the child's start-up time.
const registry = createKindRegistry([file_openchoreo_model_v1alpha1_project]);
const open = () => createSqliteStore({ dataDir: dataDir!, registry, clock: createSystemClock() });

/** Writes the line and resolves once it has left this process, so the parent saw it before the next write. */
const say = (line: string) => new Promise<void>((resolve) => process.stdout.write(`${line}\n`, () => resolve()));

async function burst(): Promise<void> {
  const store = open();
  const key = (i: number) => ({ namespace: "default", name: `${prefix}-${i}` });
  // The parent reads every line written before the kill, so at most the write in flight, announced
  // but not acknowledged, may or may not have committed.
  const write = async (line: string, run: () => Promise<unknown>) => {
    await say(`? ${line}`);
    await run();
    await say(line);
  };
  for (let i = 0; ; i++) {
    const object = create(ProjectSchema, { metadata: { ...key(i), labels: { v: "0" } }, spec: {} });
    await write(`create ${key(i).name}`, () => store.create(ProjectSchema, object));
    if (i % 3 === 2) {
      const current = await store.get(ProjectSchema, key(i - 1));
      current.metadata!.labels["v"] = String(i);
      await write(`update ${key(i - 1).name} ${i}`, () => store.update(ProjectSchema, current));
    }
    if (i % 5 === 4) await write(`delete ${key(i - 4).name}`, () => store.delete(ProjectSchema, key(i - 4)));
  }
}

switch (mode) {
  case "hold":
    open();
    await say("ready");
    setInterval(() => {}, 60_000);
    break;
  case "open":
    try {
      await open().close();
      await say("opened");
    } catch (error) {
      await say(`${(error as Error).name}: ${(error as Error).message}`);
      process.exit(3);
    }
    break;
  case "burst":
    await burst();
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
