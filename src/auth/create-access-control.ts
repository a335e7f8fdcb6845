import type { Clock, Manager } from "../core/index.js";
import type { PlaneCredentials } from "../planes/index.js";
import type { Authenticator } from "./authenticator.js";
import { createApiTokenAuthenticator } from "./api-token-authenticator.js";
import { createAuthorizer, type Authorizer } from "./authorizer.js";
import { createGrantIndex, type GrantIndex } from "./grant-index.js";
import { createGrantRoleTable } from "./grant-role-table.js";
import { createPlaneAuthenticator } from "./plane-authenticator.js";
import { createTokenIndex, type TokenIndex } from "./token-index.js";

/** Everything the guard and the token and identity services read: caches of the store's tokens and grants. */
export interface AccessControl {
  readonly tokens: TokenIndex;
  readonly grants: GrantIndex;
  readonly authorizer: Authorizer;
  /** API tokens first, then plane credentials; a sign-in authenticator goes before the planes'. */
  readonly authenticators: Authenticator[];
  /** The promotion controller's roles, from the grants. */
  readonly roles: ReturnType<typeof createGrantRoleTable>;
  /** How long a token lives when its creator names no TTL. */
  readonly defaultTokenTtlMs: number;
  /** Adds the plane agents' credentials (once the hub that holds them exists). */
  addPlaneCredentials(credentials: Pick<PlaneCredentials, "authenticate">): void;
  /** Resolves once tokens and grants are cached. */
  ready(): Promise<boolean>;
  close(): void;
}

export function createAccessControl(deps: { informers: Pick<Manager, "informerFor">; clock: Clock; defaultTokenTtlMs: number }): AccessControl {
  const tokens = createTokenIndex(deps.informers, deps.clock);
  const grants = createGrantIndex(deps.informers);
  const authenticators: Authenticator[] = [createApiTokenAuthenticator(tokens)];
  return {
    tokens,
    grants,
    authorizer: createAuthorizer(grants),
    authenticators,
    roles: createGrantRoleTable(grants),
    defaultTokenTtlMs: deps.defaultTokenTtlMs,
    addPlaneCredentials(credentials) {
      authenticators.push(createPlaneAuthenticator(credentials));
    },
    async ready() {
      return (await tokens.ready()) && (await grants.ready());
    },
    close() {
      tokens.close();
      grants.close();
    },
  };
}
