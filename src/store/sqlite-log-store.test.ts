import { describe, expect, it } from "vitest";
import { isFailedPreconditionError } from "../errors/index.js";
import { scratchDirectories, thrownBy } from "./contract/contract-fixtures.js";
import { runLogStoreContract } from "./contract/index.js";
import { createSqliteLogStore } from "./sqlite-log-store.js";

const newDir = scratchDirectories("sqlite-log-store");

runLogStoreContract("sqlite", (options) => createSqliteLogStore({ dataDir: newDir(), ...options }));

describe("SQLite log store", () => {
  it("keeps logs across a restart, and holds its data directory alone", async () => {
    const dataDir = newDir();
    const first = createSqliteLogStore({ dataDir, maxBytesPerBuild: 4 });
    await first.append("b1", 0, new TextEncoder().encode("abcdef"));
    await first.complete("b1");
    const error = thrownBy(() => createSqliteLogStore({ dataDir }));
    expect(isFailedPreconditionError(error)).toBe(true);
    await first.close();

    const second = createSqliteLogStore({ dataDir, maxBytesPerBuild: 4 });
    const read = await second.read("b1");
    expect(new TextDecoder().decode(read.chunks[0]!.data)).toBe("cdef");
    expect(read).toMatchObject({ nextOffset: 6, truncated: true, complete: true });
    await second.close();
  });
});
