import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { createFakeClock } from "../core/clock.js";
import { createKindRegistry } from "../model/index.js";
import type { AuditRecord } from "./audit-log.js";
import { createSqliteStore } from "./sqlite-store.js";

const registry = createKindRegistry(allFiles);
const dir = mkdtempSync(join(tmpdir(), "sqlite-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (time: number, name: string): AuditRecord => ({
  time, subject: "token:ci", method: "m", kind: "Component", namespace: "default", name, sourceAddress: "", requestId: "", code: "ok", detail: "",
});

describe("SQLite audit retention", () => {
  it("keeps records no older than the age limit and no more than the count limit, from the next start on and every 256 appends", async () => {
    const clock = createFakeClock();
    const hour = 3_600_000;
    const auditRetention = { maxAgeMs: hour, maxRecords: 100 };
    let store = createSqliteStore({ registry, clock, dataDir: dir, auditRetention });
    const start = clock.now();
    await store.auditLog!.append([record(start - 2 * hour, "too-old")]);
    for (let i = 0; i < 300; i++) await store.auditLog!.append([record(start, `r${i}`)]);
    const bounded = await store.auditLog!.query({ limit: 1000 });
    // 301 appends: pruned to 100 at the 256th, then 45 more.
    expect(bounded.records).toHaveLength(145);
    expect(bounded.records.some((r) => r.name === "too-old")).toBe(false);
    await store.close();

    store = createSqliteStore({ registry, clock, dataDir: dir, auditRetention });
    const reopened = await store.auditLog!.query({ limit: 1000 });
    expect(reopened.records.map((r) => r.name)).toEqual(Array.from({ length: 100 }, (_, i) => `r${299 - i}`));
    clock.advance(hour + 1);
    await store.close();
    store = createSqliteStore({ registry, clock, dataDir: dir, auditRetention });
    expect((await store.auditLog!.query({ limit: 10 })).records).toEqual([]);
    await store.close();
  });
});
