/** The organization roles. */
export const roleNames = ["admin", "developer", "approver", "viewer"] as const;

export type Role = (typeof roleNames)[number];

/** Organization → role → principals, as the roles file states them. */
export type RoleAssignments = Readonly<Record<string, Readonly<Partial<Record<Role, readonly string[]>>>>>;

/** Who holds which role in which organization: granted to the principal or to one of its groups. */
export interface RoleTable {
  rolesOf(organization: string, principal: string, groups?: readonly string[]): Role[];
}

export function createRoleTable(assignments: RoleAssignments): RoleTable {
  return {
    rolesOf(organization, principal) {
      const byRole = assignments[organization] ?? {};
      return roleNames.filter((role) => byRole[role]?.includes(principal));
    },
  };
}
