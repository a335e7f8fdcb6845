export { runStoreContract } from "./run-store-contract.js";
export { runLogStoreContract, type MakeLogStore } from "./run-log-store-contract.js";
export type { ContractStoreOptions, MakeStore } from "./contract-fixtures.js";
