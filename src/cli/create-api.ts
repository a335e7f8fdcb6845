import { readFile } from "node:fs/promises";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { Health } from "../../gen/health/v1/health_pb.js";
import { BuildService } from "../../gen/openchoreo/api/v1alpha1/build_service_pb.js";
import { ComponentService } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { BuildPlaneService } from "../../gen/openchoreo/api/v1alpha1/build_plane_service_pb.js";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { PromotionService } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { IdentityService } from "../../gen/openchoreo/api/v1alpha1/identity_service_pb.js";
import { TokenService } from "../../gen/openchoreo/api/v1alpha1/token_service_pb.js";
import { AuditService } from "../../gen/openchoreo/api/v1alpha1/audit_service_pb.js";
import { LoginService } from "../../gen/openchoreo/api/v1alpha1/login_service_pb.js";
import { sessionToken } from "./oidc-session.js";
import { CliError } from "./cli-error.js";
import type { Target } from "./resolve-target.js";

/** The public API as the CLI uses it. */
export interface Api {
  readonly resources: Client<typeof ResourceService>;
  readonly health: Client<typeof Health>;
  readonly promotions: Client<typeof PromotionService>;
  readonly builds: Client<typeof BuildService>;
  /** Component logs and live objects (the typed component methods are reached through ResourceService). */
  readonly components: Client<typeof ComponentService>;
  readonly tokens: Client<typeof TokenService>;
  readonly identity: Client<typeof IdentityService>;
  readonly audit: Client<typeof AuditService>;
  readonly login: Client<typeof LoginService>;
  readonly dataPlanes: Client<typeof DataPlaneService>;
  readonly buildPlanes: Client<typeof BuildPlaneService>;
  /** Closes the connection, so the process can end. */
  close(): void;
}

/**
 * gRPC over one HTTP/2 connection (h2c, or TLS with ALPN), the protocol every client of the server
 * speaks. The session manager is ours so the connection can be closed when the command ends;
 * connect-node would otherwise keep it open for its idle timeout.
 */
export async function createApi(target: Target, userAgent: string): Promise<Api> {
  const ca = target.certificateAuthority ? await readCa(target.certificateAuthority) : undefined;
  const secure = target.server.startsWith("https:");
  const sessionManager = new Http2SessionManager(
    target.server,
    {},
    secure ? { ...(ca ? { ca } : {}), rejectUnauthorized: !target.insecureSkipTlsVerify } : {},
  );
  // A signed-in context's ID token, read (and renewed if due) once per command.
  let bearer: Promise<string | undefined> | undefined;
  const token = () => (bearer ??= target.token ? Promise.resolve(target.token) : target.session ? sessionToken(target.session, Date.now) : Promise.resolve(undefined));
  const headers: Interceptor = (next) => async (req) => {
    req.header.set("user-agent", userAgent);
    const sent = await token();
    if (sent) req.header.set("authorization", `Bearer ${sent}`);
    return next(req);
  };
  const transport = createGrpcTransport({ baseUrl: target.server, sessionManager, interceptors: [headers] });
  return {
    resources: createClient(ResourceService, transport),
    health: createClient(Health, transport),
    promotions: createClient(PromotionService, transport),
    builds: createClient(BuildService, transport),
    components: createClient(ComponentService, transport),
    tokens: createClient(TokenService, transport),
    identity: createClient(IdentityService, transport),
    audit: createClient(AuditService, transport),
    login: createClient(LoginService, transport),
    dataPlanes: createClient(DataPlaneService, transport),
    buildPlanes: createClient(BuildPlaneService, transport),
    close: () => sessionManager.abort(),
  };
}

async function readCa(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new CliError(`cannot read the certificate authority file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
