import { describe, expect, it } from "vitest";
import { ComponentSchema } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import type { AuditRecord } from "../audit-log.js";
import { component, type OpenStore } from "./contract-fixtures.js";

/** An audit record of an Apply by token:ci, with `fields` changed. */
export function auditRecord(name: string, fields: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: 0,
    subject: "token:ci",
    method: "openchoreo.api.v1alpha1.ResourceService/Apply",
    kind: "Component",
    namespace: "default",
    name,
    sourceAddress: "127.0.0.1",
    requestId: `req-${name}`,
    code: "ok",
    detail: "create",
    ...fields,
  };
}

/** Writes carrying audit records (StoreWriteOptions.audit); skipped for an adapter without an audit log of its own. */
export function auditContract(open: OpenStore): void {
  describe("audit records", () => {
    it("commit with their write, and not at all when the write fails", async (ctx) => {
      const { store, clock } = await open();
      const auditLog = store.auditLog ?? ctx.skip("this adapter keeps no audit log of its own (auditLog is undefined)");
      const at = clock.now();
      await store.create(ComponentSchema, component("a"), { audit: [auditRecord("a", { time: at })] });
      await expect(store.create(ComponentSchema, component("a"), { audit: [auditRecord("a", { detail: "again" })] })).rejects.toThrow(/already exists/);
      await store.update(ComponentSchema, component("a"), { audit: [auditRecord("a", { detail: "update" })] });
      await store.delete(ComponentSchema, { namespace: "default", name: "a" }, { audit: [auditRecord("a", { detail: "delete" })] });
      await expect(store.delete(ComponentSchema, { namespace: "default", name: "a" }, { audit: [auditRecord("a", { detail: "gone" })] })).rejects.toThrow(/not found/);
      const page = await auditLog.query({ limit: 10 });
      expect(page.records.map((r) => r.detail)).toEqual(["delete", "update", "create"]);
      expect(page.records[2]).toMatchObject({ ...auditRecord("a", { time: at }) });
      expect(page.next).toBeUndefined();
    });

    it("are found by subject, kind, namespace, time and result, newest first, a page at a time", async (ctx) => {
      const { store } = await open();
      const auditLog = store.auditLog ?? ctx.skip("this adapter keeps no audit log of its own (auditLog is undefined)");
      await auditLog.append([
        auditRecord("one", { time: 1000 }),
        auditRecord("two", { time: 2000, subject: "oidc:alice", code: "permission_denied" }),
        auditRecord("three", { time: 3000, subject: "oidc:alice", code: "invalid_argument", kind: "Project" }),
        auditRecord("four", { time: 4000, namespace: "acme" }),
      ]);
      const names = async (query: Parameters<typeof auditLog.query>[0]) => (await auditLog.query(query)).records.map((r) => r.name);
      expect(await names({ limit: 10 })).toEqual(["four", "three", "two", "one"]);
      expect(await names({ limit: 10, subject: "oidc:alice" })).toEqual(["three", "two"]);
      expect(await names({ limit: 10, kind: "Project" })).toEqual(["three"]);
      expect(await names({ limit: 10, namespace: "acme" })).toEqual(["four"]);
      expect(await names({ limit: 10, since: 2000, until: 4000 })).toEqual(["three", "two"]);
      expect(await names({ limit: 10, result: "denied" })).toEqual(["two"]);
      expect(await names({ limit: 10, result: "failed" })).toEqual(["three"]);
      expect(await names({ limit: 10, result: "ok" })).toEqual(["four", "one"]);
      const first = await auditLog.query({ limit: 3 });
      expect(first.records.map((r) => r.name)).toEqual(["four", "three", "two"]);
      expect(await names({ limit: 3, before: first.next! })).toEqual(["one"]);
    });
  });
}
