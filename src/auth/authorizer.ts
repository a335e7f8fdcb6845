import { PermissionDeniedError } from "../errors/index.js";
import type { Principal } from "./principal.js";
import { anyOrganization, type Requirement } from "./permission-table.js";
import { platformAdmin, platformPermissions, rolePermissions, type Permission, type Role } from "./roles.js";

/** One role a principal holds, and the grant that gives it. */
export interface Grant {
  /** undefined for platform-admin, which holds everywhere. */
  readonly organization: string | undefined;
  readonly role: Role;
  /** `AuthzRoleBinding namespace/name` or `AuthzClusterRoleBinding name`. */
  readonly grantedBy: string;
}

/** Where the grants come from (the store's AuthzRoleBindings and AuthzClusterRoleBindings). */
export interface GrantSource {
  grantsOf(principal: Pick<Principal, "subject" | "groups">): readonly Grant[];
}

export interface Authorizer {
  grantsOf(principal: Principal): readonly Grant[];
  /** Whether the principal holds the permission there (`*`: in at least one organization). */
  allows(principal: Principal, permission: Permission, organization: string | undefined): boolean;
  /** Throws PermissionDeniedError naming the first requirement the principal does not meet. */
  require(principal: Principal, requirements: readonly Requirement[]): void;
}

export function createAuthorizer(grants: GrantSource): Authorizer {
  const allows = (principal: Principal, permission: Permission, organization: string | undefined): boolean => {
    // A plane agent's credential opens its stream and nothing else; no grant opens that stream.
    if (principal.via === "plane" || permission === "planes:connect") return principal.via === "plane" && permission === "planes:connect";
    const held = grants.grantsOf(principal);
    if (held.some((g) => g.role === platformAdmin)) return true;
    if (platformPermissions.has(permission) || organization === undefined) return false;
    return held.some((g) => g.role !== platformAdmin && (organization === anyOrganization || g.organization === organization) && rolePermissions[g.role].has(permission));
  };
  return {
    grantsOf: (principal) => (principal.via === "plane" ? [] : grants.grantsOf(principal)),
    allows,
    require(principal, requirements) {
      for (const { permission, organization } of requirements) {
        if (allows(principal, permission, organization)) continue;
        const where = organization === undefined ? "platform-wide" : organization === anyOrganization ? "in any organization" : `in organization "${organization}"`;
        throw new PermissionDeniedError(`${principal.subject} lacks permission ${permission} ${where}`);
      }
    },
  };
}
