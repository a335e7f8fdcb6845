export { runStoreContract } from "./run-store-contract.js";
export { runLogStoreContract, type MakeLogStore } from "./run-log-store-contract.js";
export type { ContractLimits, ContractStoreOptions, MakeStore } from "./contract-fixtures.js";
