import type { OrganizationRole } from "./roles.js";
import { organizationRoles, platformAdmin } from "./roles.js";
import type { GrantSource } from "./authorizer.js";

/**
 * The promotion controller's view of the grants: the organization roles a subject holds (a platform
 * admin holds them all). Groups are not known from a subject alone, so the controller honours grants
 * to subjects; PromotionService has already checked the full principal when it recorded a decision.
 */
export function createGrantRoleTable(grants: GrantSource): { rolesOf(organization: string, subject: string): OrganizationRole[] } {
  return {
    rolesOf(organization, subject) {
      const held = grants.grantsOf({ subject, groups: [] });
      if (held.some((g) => g.role === platformAdmin)) return [...organizationRoles];
      return organizationRoles.filter((role) => held.some((g) => g.organization === organization && g.role === role));
    },
  };
}
