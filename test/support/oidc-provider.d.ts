// oidc-provider ships no type declarations; the tests use this much of it.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface ProviderClient {
    grantTypeAllowed(type: string): boolean;
  }
  interface ProviderCode {
    readonly scopes: Set<string>;
  }
  interface ProviderAccount {
    accountId: string;
    claims(): Promise<Record<string, unknown>>;
  }
  interface ProviderConfiguration {
    clients?: Record<string, unknown>[];
    jwks?: { keys: object[] };
    features?: Record<string, unknown>;
    scopes?: string[];
    claims?: Record<string, string[]>;
    conformIdTokenClaims?: boolean;
    ttl?: Record<string, number>;
    issueRefreshToken?(ctx: unknown, client: ProviderClient, code: ProviderCode): Promise<boolean> | boolean;
    findAccount?(ctx: unknown, id: string): Promise<ProviderAccount | undefined> | ProviderAccount | undefined;
  }
  export default class Provider {
    constructor(issuer: string, configuration?: ProviderConfiguration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
