import { durationMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { TokenService } from "../../gen/openchoreo/api/v1alpha1/token_service_pb.js";
import { ApiTokenSchema, type ApiToken } from "../../gen/openchoreo/model/v1alpha1/api_token_pb.js";
import { issueApiToken, principalKey, tokenGrantName, type AccessControl, type Principal } from "../auth/index.js";
import { InvalidSpecError, NotFoundError, PermissionDeniedError, UnauthenticatedError, isNotFoundError } from "../errors/index.js";
import { redactSecrets, type Codec } from "../model/index.js";
import type { ResourceAccess } from "./resource-access.js";

export interface TokenServiceDeps {
  readonly access: ResourceAccess;
  readonly codec: Codec;
  readonly accessControl: AccessControl;
  readonly now: () => number;
}

// A token a caller just received must work on its next call: wait for the caches to hold it.
const cacheWaitMs = 5000;

/** TokenService: who may do what was settled by the guard; this creates, lists and revokes. */
export function createTokenService(deps: TokenServiceDeps): ServiceImpl<typeof TokenService> {
  const { access, codec, accessControl } = deps;
  const { tokens, authorizer } = accessControl;
  const tokenKind = codec.registry.resolve("ApiToken")!;
  const caller = (context: HandlerContext): Principal => {
    const principal = context.values.get(principalKey);
    if (!principal) throw new UnauthenticatedError("authentication required");
    return principal;
  };
  const redacted = (json: Parameters<typeof codec.decodeAs>[1]): ApiToken => codec.decodeAs(ApiTokenSchema, json);
  const mayManage = (principal: Principal, token: ApiToken) =>
    authorizer.allows(principal, "tokens:write", undefined) ||
    (token.spec?.organization ? authorizer.allows(principal, "tokens:revoke", token.spec.organization) : false);

  return {
    async createToken(request, context) {
      const principal = caller(context);
      if (!request.name) throw new InvalidSpecError([{ path: "name", message: "required" }]);
      let expiresAtMs: number | undefined = deps.now() + accessControl.defaultTokenTtlMs;
      if (request.ttl) {
        const ms = durationMs(request.ttl);
        if (ms < 0) throw new InvalidSpecError([{ path: "ttl", message: "must not be negative" }]);
        expiresAtMs = ms === 0 ? undefined : deps.now() + ms;
      }
      const { token, apiToken } = await issueApiToken(access, codec.registry, {
        name: request.name,
        organization: request.organization || undefined,
        role: request.role || undefined,
        expiresAtMs,
        createdBy: principal.subject,
      });
      const stored = redacted(apiToken);
      await tokens.caughtUp(request.name, stored.metadata?.resourceVersion ?? "", cacheWaitMs);
      if (request.role) await waitFor(() => accessControl.grants.grantsOf({ subject: `token:${request.name}`, groups: [] }).length > 0, cacheWaitMs);
      return { token, apiToken: stored };
    },

    async listTokens(request, context) {
      const principal = caller(context);
      // Hashes never leave the server, not even to platform admins.
      const visible = tokens
        .list()
        .filter((t) => !request.organization || t.spec?.organization === request.organization)
        .filter((t) => mayManage(principal, t) || t.spec?.createdBy === principal.subject)
        .map((t) => redacted(redactSecrets(tokenKind.schema, codec.encode(t))))
        .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
      return { apiTokens: visible };
    },

    async revokeToken(request, context) {
      const principal = caller(context);
      if (!request.name) throw new InvalidSpecError([{ path: "name", message: "required" }]);
      let stored: ApiToken;
      try {
        stored = redacted(await access.get(tokenKind, { namespace: "", name: request.name }));
      } catch (err) {
        if (isNotFoundError(err)) throw new NotFoundError(`token "${request.name}" not found`);
        throw err;
      }
      if (!mayManage(principal, stored)) {
        const where = stored.spec?.organization ? `in organization "${stored.spec.organization}"` : "platform-wide";
        throw new PermissionDeniedError(`${principal.subject} lacks permission tokens:revoke ${where}`);
      }
      const json = codec.encode(stored);
      (json.spec as Record<string, unknown>).revoked = true;
      const revoked = redacted(await access.update(tokenKind, json));
      const grantKind = codec.registry.resolve(stored.spec?.role === "platform-admin" ? "AuthzClusterRoleBinding" : "AuthzRoleBinding")!;
      await access.delete(grantKind, { namespace: stored.spec?.organization ?? "", name: tokenGrantName(request.name) }).catch((err: unknown) => {
        if (!isNotFoundError(err)) throw err;
      });
      return { apiToken: revoked };
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
