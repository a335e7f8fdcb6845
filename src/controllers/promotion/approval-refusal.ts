import type { RoleTable } from "./role-table.js";

export interface ApprovalInput {
  readonly principal: string;
  /** The principal's groups when it decided (an approval records them). */
  readonly groups?: readonly string[];
  /** Who asked for the promotion (spec.requestedBy). */
  readonly requester: string | undefined;
  readonly organization: string;
  readonly roles: RoleTable;
}

/**
 * Why a principal may not approve or reject a promotion, or undefined when it may: it must differ
 * from the requester and hold the approver role in the organization. One rule for PromotionService
 * (which refuses at once) and the controller (which ignores decisions that break it).
 */
export function approvalRefusal({ principal, groups, requester, organization, roles }: ApprovalInput): string | undefined {
  if (requester && principal === requester) return `"${principal}" requested this promotion and cannot decide on it: another principal with the approver role must`;
  const held = roles.rolesOf(organization, principal, groups);
  if (!held.includes("approver")) {
    return `"${principal}" does not hold the approver role in organization "${organization}" (holds ${held.length > 0 ? held.join(", ") : "no role"})`;
  }
  return undefined;
}
