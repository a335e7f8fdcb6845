import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { allFiles } from "../../gen/index.js";
import { createResourceAccess, type ResourceAccess } from "../api/resource-access.js";
import { ensureEmbeddedDefaults } from "../bootstrap/index.js";
import { createEventRecorder, platformControllers } from "../controllers/index.js";
import { createAlwaysLeader, createManager, createSystemClock, type Clock, type Manager } from "../core/index.js";
import { createAccessControl, ensureBootstrapAdminToken, loadOidcAuthenticator, type AccessControl } from "../auth/index.js";
import { createAuditedStore } from "../audit/index.js";
import { parseConfig, type Config } from "./config.js";
import { readConfigFile } from "./read-config-file.js";
import { createCodec, createKindRegistry, type Codec } from "../model/index.js";
import { createPlaneAgentHub, createPlaneAgentMetrics, createSessionForwarding, type PlaneAgentHub, type SessionForwarding } from "../planes/index.js";
import type { LogStore, ResourceStore } from "../store/index.js";
import { openControlPlaneState } from "./open-control-plane-state.js";
import { holdLeaderElection } from "./held-leader-elector.js";
import { isAlreadyExistsError } from "../errors/index.js";

/** Everything behind the API: the store, the controllers that drive it, and the API's access to it. */
export interface ControlPlane {
  readonly store: ResourceStore;
  readonly logStore: LogStore;
  readonly codec: Codec;
  readonly access: ResourceAccess;
  readonly manager: Manager;
  /** The plane agents' streams, their credentials and sessions. */
  readonly planes: PlaneAgentHub;
  /** Calls that need one plane's agent, sent to the replica holding its session (Kubernetes mode). */
  readonly forwarding: SessionForwarding;
  /** Tells the other replicas where this one serves its API (see open-control-plane-state.ts). */
  advertise(url: string): Promise<void>;
  /** API tokens, grants and the authorizer, for the guard and the token and identity services. */
  readonly accessControl: AccessControl;
  /** Where the first start of an empty store wrote the platform admin's token; undefined otherwise. */
  readonly adminTokenFile: string | undefined;
  readonly clock: Clock;
  /** Where the state lives when not SQLite in the data directory, and the admin token's Secret: for the banner. */
  readonly stateDescription: string | undefined;
  readonly adminTokenSecret: string | undefined;
  /** Objects the first start of an empty data directory created (the embedded defaults). */
  readonly created: readonly string[];
  /**
   * Settles once the controllers run (in Kubernetes mode: once this replica campaigns for the Lease;
   * the leader's controllers start when it wins). Held by ControlPlaneDeps.holdControllersUntil.
   */
  readonly controllersStarted: Promise<void>;
  /** Stops the controllers, then closes the stores (releasing the data-directory lock). */
  close(): Promise<void>;
}

export interface ControlPlaneDeps {
  readonly logger: Logger;
  readonly metrics: Registry;
  /**
   * The controllers wait for it (the server passes its port listening), so their first pass does
   * not delay the API; writes made meanwhile are reconciled once they run. Default: they start as
   * soon as the caches are synced.
   */
  readonly holdControllersUntil?: Promise<unknown>;
}

/**
 * The control plane: its state (SQLite in the data directory, one server per directory; or custom
 * resources in Kubernetes, shared by replicas of which the one holding the Lease runs the
 * controllers), every controller of the platform model, and the embedded defaults on first start.
 */
export async function startControlPlane(config: { readonly dataDir: string } & Partial<Pick<Config, "tokenTtlMs" | "promotionTtlMs" | "buildTimeoutMs" | "agent" | "oidc" | "audit" | "store" | "kubernetes" | "tls">>, deps: ControlPlaneDeps): Promise<ControlPlane> {
  const registry = createKindRegistry(allFiles);
  const codec = createCodec(registry);
  const clock = createSystemClock();
  const state = await openControlPlaneState(config, { registry, codec, clock, logger: deps.logger });
  const store = state.store;
  // What the API writes through: each write made while serving a call commits with its audit record.
  const apiStore = createAuditedStore(store, registry);
  const logStore = state.logStore;
  let controllersStarted!: () => void;
  const started = new Promise<void>((resolve) => (controllersStarted = resolve));
  const elector = holdLeaderElection(state.leaderElector ?? createAlwaysLeader(), deps.holdControllersUntil ?? Promise.resolve(), controllersStarted);
  const manager = createManager({ store, registry, clock, logger: deps.logger, metrics: deps.metrics, leaderElector: elector });
  const events = createEventRecorder({ store, clock, source: "control-plane" });
  const accessControl = createAccessControl({ informers: manager, clock, defaultTokenTtlMs: config.tokenTtlMs ?? parseConfig({}, config.dataDir).tokenTtlMs });
  for (const controller of platformControllers({ store, registry, clock, events, roles: accessControl.roles, ...(config.promotionTtlMs ? { promotionTtlMs: config.promotionTtlMs } : {}), ...(config.buildTimeoutMs ? { buildTimeoutMs: config.buildTimeoutMs } : {}) })) manager.add(controller);
  try {
    const created = await ensureEmbeddedDefaults(store);
    await manager.start();
    const planes = createPlaneAgentHub({
      store,
      credentialStore: apiStore,
      informers: manager,
      clock,
      logger: deps.logger,
      events: createEventRecorder({ store, clock, source: "plane-agent" }),
      logStore,
      // Callers that pass no agent settings (tests, tools) get the documented defaults.
      settings: config.agent ?? parseConfig({}, config.dataDir).agent,
      serverId: state.serverId,
      metrics: createPlaneAgentMetrics(deps.metrics),
    });
    await planes.start();
    if (config.oidc) {
      const { createOidcAuthenticator } = await loadOidcAuthenticator();
      accessControl.authenticators.push(createOidcAuthenticator({ ...config.oidc, ca: await readOidcCa(config.oidc.caFile) }));
    }
    accessControl.addPlaneCredentials(planes.credentials);
    if (!(await accessControl.ready())) throw new Error("the token and grant caches did not sync");
    const access = createResourceAccess({ store: apiStore, codec });
    // Replicas starting together race to bootstrap an empty store: the one whose token lands keeps it.
    const adminTokenFile = await ensureBootstrapAdminToken({ store, writer: access, registry, dataDir: config.dataDir }).catch((err: unknown) => {
      if (isAlreadyExistsError(err)) return undefined;
      throw err;
    });
    if (adminTokenFile) await state.keepAdminToken(adminTokenFile);
    const forwarding = createSessionForwarding({
      store,
      serverId: state.serverId,
      directory: state.replicas,
      // Replicas serve one certificate: a peer's is this one's.
      ...(config.tls ? { trustedCa: await readConfigFile(config.tls.certFile, "CHOREO_TLS_CERT") } : {}),
      logger: deps.logger,
    });
    return {
      store: apiStore,
      logStore,
      codec,
      access,
      accessControl,
      adminTokenFile,
      clock,
      manager,
      planes,
      forwarding,
      advertise: (url) => state.advertise(url),
      created,
      controllersStarted: started,
      stateDescription: state.description,
      adminTokenSecret: state.adminTokenSecret,
      async close() {
        // Sessions first: their last status writes need the store and the caches.
        await planes.close();
        forwarding.close();
        accessControl.close();
        await manager.stop();
        await state.close();
      },
    };
  } catch (err) {
    await manager.stop().catch(() => undefined);
    await state.close();
    throw err;
  }
}

async function readOidcCa(file: string | undefined): Promise<Buffer | undefined> {
  return file ? readConfigFile(file, "CHOREO_OIDC_CA_FILE") : undefined;
}
