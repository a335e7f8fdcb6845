import { runLogStoreContract } from "./contract/index.js";
import { createMemoryLogStore } from "./memory-log-store.js";

runLogStoreContract("memory", (options) => createMemoryLogStore(options));
