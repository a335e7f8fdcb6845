import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentityService } from "../../gen/openchoreo/api/v1alpha1/identity_service_pb.js";
import { principalKey, type Authorizer } from "../auth/index.js";
import { UnauthenticatedError } from "../errors/index.js";

/** IdentityService.WhoAmI: the caller as the guard authenticated it, and the roles its grants give. */
export function createIdentityService(authorizer: Authorizer): ServiceImpl<typeof IdentityService> {
  return {
    whoAmI(_request, context) {
      const principal = context.values.get(principalKey);
      if (!principal) throw new UnauthenticatedError("authentication required");
      const roles = authorizer
        .grantsOf(principal)
        .map((g) => ({ organization: g.organization ?? "", role: g.role, grantedBy: g.grantedBy }))
        .sort((a, b) => a.organization.localeCompare(b.organization) || a.role.localeCompare(b.role));
      return { subject: principal.subject, via: principal.via, groups: [...principal.groups], roles };
    },
  };
}
