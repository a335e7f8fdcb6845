import type { JsonObject, KindInfo, KindRegistry } from "../model/index.js";
import { InvalidSpecError } from "../errors/index.js";
import { generateApiToken, hashApiToken, tokenSubject } from "./api-token.js";
import { isOrganizationRole, platformAdmin } from "./roles.js";

export interface TokenRequest {
  readonly name: string;
  /** Where the role applies; undefined for platform-admin or no role. */
  readonly organization: string | undefined;
  /** undefined: a token without a grant. */
  readonly role: string | undefined;
  /** undefined: never expires. */
  readonly expiresAtMs: number | undefined;
  readonly createdBy: string;
}

/** The write path tokens and grants go through (validation, defaults): ResourceAccess. */
export interface ObjectWriter {
  create(kind: KindInfo, json: JsonObject): Promise<JsonObject>;
}

/** The grant a token's role comes from is named after the token. */
export const tokenGrantName = (tokenName: string): string => `token-${tokenName}`;

/**
 * Creates an ApiToken (its hash only) and, with a role, the grant that gives it the role. Returns the
 * token, which exists nowhere else. Who may ask for what is the guard's business, not this function's.
 */
export async function issueApiToken(writer: ObjectWriter, registry: KindRegistry, request: TokenRequest): Promise<{ token: string; apiToken: JsonObject }> {
  const violations = [];
  if (request.role !== undefined && request.role !== platformAdmin && !isOrganizationRole(request.role)) {
    violations.push({ path: "role", message: `must be one of platform-admin, admin, developer, approver, viewer (got "${request.role}")` });
  }
  if (request.role === platformAdmin && request.organization) violations.push({ path: "organization", message: "must be empty for platform-admin, which applies everywhere" });
  if (request.role !== undefined && request.role !== platformAdmin && !request.organization) violations.push({ path: "organization", message: `required for role ${request.role}` });
  if (violations.length > 0) throw new InvalidSpecError(violations);

  const token = generateApiToken();
  const spec: JsonObject = { tokenSha256: hashApiToken(token), createdBy: request.createdBy };
  if (request.expiresAtMs !== undefined) spec.expiresAt = new Date(request.expiresAtMs).toISOString();
  if (request.organization) spec.organization = request.organization;
  if (request.role) spec.role = request.role;
  const apiToken = await writer.create(registry.resolve("ApiToken")!, { apiVersion: "openchoreo.dev/v1alpha1", kind: "ApiToken", metadata: { name: request.name }, spec });
  if (request.role) {
    const clusterWide = request.role === platformAdmin;
    const kind = registry.resolve(clusterWide ? "AuthzClusterRoleBinding" : "AuthzRoleBinding")!;
    await writer.create(kind, {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: kind.kind,
      metadata: { name: tokenGrantName(request.name), ...(clusterWide ? {} : { namespace: request.organization }), labels: { "openchoreo.dev/api-token": request.name } },
      spec: { role: request.role, subjects: [tokenSubject(request.name)], grantedBy: request.createdBy },
    });
  }
  return { token, apiToken };
}
