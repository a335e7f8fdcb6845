import type { OrganizationRole } from "./roles.js";
import { organizationRoles, platformAdmin } from "./roles.js";
import type { GrantSource } from "./authorizer.js";

/**
 * The promotion controller's view of the grants: the organization roles a subject holds, directly or
 * through one of its groups (a platform admin holds them all). The controller knows a decider's groups
 * from the approval, where PromotionService recorded them from the authenticated principal.
 */
export function createGrantRoleTable(grants: GrantSource): { rolesOf(organization: string, subject: string, groups?: readonly string[]): OrganizationRole[] } {
  return {
    rolesOf(organization, subject, groups = []) {
      const held = grants.grantsOf({ subject, groups });
      if (held.some((g) => g.role === platformAdmin)) return [...organizationRoles];
      return organizationRoles.filter((role) => held.some((g) => g.organization === organization && g.role === role));
    },
  };
}
