import { allFiles } from "../../gen/index.js";
import { createKindRegistry } from "../model/index.js";
import { scratchDirectories } from "./contract/contract-fixtures.js";
import { runStoreContract } from "./contract/index.js";
import { createSqliteStore } from "./sqlite-store.js";

const registry = createKindRegistry(allFiles);
const newDir = scratchDirectories("sqlite-store-contract");

runStoreContract("sqlite", (options) => createSqliteStore({ registry, dataDir: newDir(), ...options }));
