import { afterEach, describe } from "vitest";
import type { ResourceStore } from "../resource-store.js";
import { auditContract } from "./audit-contract.js";
import { openerFor, type ContractLimits, type MakeStore } from "./contract-fixtures.js";
import { crudContract } from "./crud-contract.js";
import { deletionContract } from "./deletion-contract.js";
import { listContract } from "./list-contract.js";
import { watchContract } from "./watch-contract.js";

/**
 * The store contract (ARCHITECTURE.md section 6) as vitest tests: call it from an adapter's test
 * file. makeStore gets a fake clock and the options a test needs (history window, size limit,
 * bookmark interval, watch buffer) and returns a new, empty store; the suite closes it. limits
 * names what the adapter cannot be configured for; those tests are skipped with the reason given.
 */
export function runStoreContract(name: string, makeStore: MakeStore, limits: ContractLimits = {}): void {
  describe(`store contract: ${name}`, () => {
    const opened: ResourceStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    const open = openerFor(makeStore, opened, limits);
    crudContract(open);
    listContract(open);
    watchContract(open);
    deletionContract(open);
    auditContract(open);
  });
}
