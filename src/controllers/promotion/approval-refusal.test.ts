import { describe, expect, it } from "vitest";
import { approvalRefusal } from "./approval-refusal.js";
import { createRoleTable } from "./role-table.js";

const roles = createRoleTable({ acme: { approver: ["carol", "alice"], viewer: ["victor"], admin: ["root"] }, other: { approver: ["victor"] } });

describe("approvalRefusal", () => {
  it("lets an approver of the organization decide on someone else's promotion", () => {
    expect(approvalRefusal({ principal: "carol", requester: "alice", organization: "acme", roles })).toBeUndefined();
    expect(approvalRefusal({ principal: "carol", requester: undefined, organization: "acme", roles })).toBeUndefined();
  });

  it("refuses the requester, even an approver", () => {
    expect(approvalRefusal({ principal: "alice", requester: "alice", organization: "acme", roles })).toMatch(/"alice" requested this promotion and cannot decide on it/);
  });

  it("refuses principals without the approver role in that organization, naming what they hold", () => {
    expect(approvalRefusal({ principal: "victor", requester: "alice", organization: "acme", roles })).toBe('"victor" does not hold the approver role in organization "acme" (holds viewer)');
    expect(approvalRefusal({ principal: "root", requester: "alice", organization: "acme", roles })).toMatch(/holds admin/);
    expect(approvalRefusal({ principal: "nobody", requester: "alice", organization: "acme", roles })).toMatch(/holds no role/);
    expect(approvalRefusal({ principal: "carol", requester: "alice", organization: "other", roles })).toMatch(/organization "other"/);
  });
});
