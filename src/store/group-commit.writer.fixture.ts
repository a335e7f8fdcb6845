// Run by group-commit.test.ts in a child process: writes N projects in one turn into a SQLite store,
// prints how many were acknowledged, and kills itself before the store can close.
import { create } from "@bufbuild/protobuf";
import { allFiles } from "../../gen/index.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { createFakeClock } from "../core/clock.js";
import { createKindRegistry } from "../model/index.js";
import { createSqliteStore } from "./sqlite-store.js";

const [dataDir, count] = process.argv.slice(2);
const store = createSqliteStore({ registry: createKindRegistry(allFiles), dataDir: dataDir!, clock: createFakeClock() });
const writes = Array.from({ length: Number(count) }, (_, i) => store.create(ProjectSchema, create(ProjectSchema, { metadata: { name: `p${String(i).padStart(3, "0")}`, namespace: "default" } })));
const acknowledged = await Promise.all(writes);
process.stdout.write(`acknowledged ${acknowledged.length}\n`, () => process.kill(process.pid, "SIGKILL"));
