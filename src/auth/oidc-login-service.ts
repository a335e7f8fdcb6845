import type { ServiceImpl } from "@connectrpc/connect";
import type { LoginService } from "../../gen/openchoreo/api/v1alpha1/login_service_pb.js";

/** What choreoctl login needs to know to sign in to this server. */
export interface LoginConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

/** LoginService: the OIDC issuer and client, or an empty answer when the server accepts API tokens only. */
export function createOidcLoginService(config: LoginConfig | undefined): ServiceImpl<typeof LoginService> {
  return {
    getLoginConfig: () => (config ? { issuer: config.issuer, clientId: config.clientId, scopes: [...config.scopes] } : {}),
  };
}
