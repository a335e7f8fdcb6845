import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { PromotionService } from "../../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { allFiles } from "../../../gen/index.js";
import { createAccessControl, type Authenticator } from "../../../src/auth/index.js";
import { createResourceAccess, type ResourceAccess } from "../../../src/api/resource-access.js";
import { ensureEmbeddedDefaults } from "../../../src/bootstrap/index.js";
import { createEventRecorder, platformControllers } from "../../../src/controllers/index.js";
import { createFakeClock, createManager, createSystemClock, type Clock, type FakeClock } from "../../../src/core/index.js";
import { startServer, type RunningServer } from "../../../src/main/index.js";
import { createCodec, createKindRegistry, type JsonObject } from "../../../src/model/index.js";
import { createMemoryStore, type ResourceStore } from "../../../src/store/index.js";
import { fakePlaneControllers, type FakePlaneOptions } from "../../support/fake-plane.js";
import { serviceComponent as sharedServiceComponent } from "../../support/service-component.js";
import { bearer, issueTestTokens, type TestRoles } from "../../support/test-tokens.js";

/** Who holds which role in the embedded `default` organization, in every promotion test. */
export const testRoles: TestRoles = {
  default: { developer: ["alice", "dave"], approver: ["carol", "alice"], viewer: ["victor"] },
};

export interface PromotionPlatform {
  readonly store: ResourceStore;
  readonly access: ResourceAccess;
  readonly server: RunningServer;
  /** The fake clock when the platform runs on one. */
  readonly clock: Clock;
  /**
   * PromotionService over real gRPC (HTTP/2), calling with the API token of the given name (subject
   * `token:<name>`; the platform admin's token when undefined, none with null), or with a bearer token
   * of a sign-in authenticator ({ bearer }).
   */
  promotions(as?: string | null | { bearer: string }): Client<typeof PromotionService>;
  /** The API tokens by name: `admin` and every name of testRoles. */
  readonly tokens: Record<string, string>;
  apply(yaml: string): Promise<void>;
  get(kind: string, name: string): Promise<JsonObject | undefined>;
  list(kind: string, labelSelector?: string): Promise<JsonObject[]>;
  stop(): Promise<void>;
}

export interface PromotionPlatformOptions {
  /** Run on a fake clock (expiry tests); the real clock otherwise. */
  readonly fakeClock?: FakeClock;
  readonly ttlMs?: number;
  readonly fakePlane?: FakePlaneOptions;
  /** A sign-in authenticator (OIDC) beside the API tokens, as the server adds one when configured. */
  readonly signIn?: Authenticator;
}

/**
 * The control plane in memory with the embedded defaults (organization `default`, its pipeline and
 * environments), every plane's agent faked in-process, and the real server on a free port.
 */
export async function startPromotionPlatform(options: PromotionPlatformOptions = {}): Promise<PromotionPlatform> {
  const registry = createKindRegistry(allFiles);
  const codec = createCodec(registry);
  const clock: Clock = options.fakeClock ?? createSystemClock();
  const store = createMemoryStore({ registry, codec, clock });
  const logger = pino({ level: "silent" });
  const manager = createManager({ store, registry, clock, logger, metrics: new Registry() });
  const events = createEventRecorder({ store, clock, source: "test" });
  const accessControl = createAccessControl({ informers: manager, clock, defaultTokenTtlMs: 3_600_000 });
  if (options.signIn) accessControl.authenticators.push(options.signIn);
  for (const controller of platformControllers({ store, registry, clock, events, roles: accessControl.roles, ...(options.ttlMs ? { promotionTtlMs: options.ttlMs } : {}) })) manager.add(controller);
  for (const controller of fakePlaneControllers(clock, options.fakePlane ?? {})) manager.add(controller);
  await ensureEmbeddedDefaults(store);
  await manager.start();
  const access = createResourceAccess({ store, codec });
  await accessControl.ready();
  const tokens = await issueTestTokens(access, registry, accessControl, testRoles);
  const server = await startServer(
    { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 * 1024 * 1024, shutdownGraceMs: 500, corsOrigins: [] },
    { logger, metrics: new Registry(), resources: { access, codec, store, clock, accessControl } },
  );
  const sessions: Http2SessionManager[] = [];
  const kind = (name: string) => registry.resolve(name)!;
  return {
    store,
    access,
    server,
    clock,
    tokens,
    promotions(as) {
      const sessionManager = new Http2SessionManager(server.url);
      sessions.push(sessionManager);
      const transport = createGrpcTransport({
        baseUrl: server.url,
        sessionManager,
        interceptors: [bearer(as === null ? undefined : typeof as === "object" ? as.bearer : tokens[as ?? "admin"]) as never],
      });
      return createClient(PromotionService, transport);
    },
    async apply(yaml) {
      await access.apply(yaml);
    },
    async get(kindName, name) {
      try {
        return await access.get(kind(kindName), { namespace: "default", name });
      } catch {
        return undefined;
      }
    },
    async list(kindName, labelSelector) {
      return (await access.list(kind(kindName), { namespace: "default", ...(labelSelector ? { labelSelector } : {}) })).items;
    },
    async stop() {
      for (const session of sessions) session.abort();
      await server.close();
      accessControl.close();
      await manager.stop();
      await store.close();
    },
  };
}

export { createFakeClock };

/** A Service component with a Workload running `image`, in the default project. */
export function serviceComponent(name: string, image: string): string {
  return sharedServiceComponent(name, { image, env: { GREETING: "hello" } });
}

/** A new build of a component: its Workload with another image. */
export function newBuild(name: string, image: string): string {
  return serviceComponent(name, image).split("---\n")[1]!;
}

/** The default pipeline with the production step behind an approval. */
export const pipelineWithApproval = `apiVersion: openchoreo.dev/v1alpha1
kind: DeploymentPipeline
metadata:
  name: default
spec:
  promotionPaths:
    - sourceEnvironmentRef: development
      targetEnvironmentRefs:
        - name: staging
    - sourceEnvironmentRef: staging
      targetEnvironmentRefs:
        - name: production
          requiresApproval: true
`;
