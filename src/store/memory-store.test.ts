import { allFiles } from "../../gen/index.js";
import { createKindRegistry } from "../model/index.js";
import { runStoreContract } from "./contract/index.js";
import { createMemoryStore } from "./memory-store.js";

const registry = createKindRegistry(allFiles);

runStoreContract("memory", (options) => createMemoryStore({ registry, ...options }));
