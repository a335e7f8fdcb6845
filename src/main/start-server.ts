import { setMaxListeners } from "node:events";
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo, Server as NetServer } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/health/v1/health_pb.js";
import { allFiles } from "../../gen/index.js";
import { createDescriptorIndex, createEncodedObjects, createHealthStatus, fastReadMethods, routes, servedServices, type ResourceRouteDeps } from "../api/index.js";
import { createAuthorizer, createGuard, createGuardInterceptor, createPermissionTable, publicProcedures, type Denial, type Guard } from "../auth/index.js";
import { createCodec, createKindRegistry } from "../model/index.js";
import { createAuditTrail } from "../audit/index.js";
import { createSystemClock } from "../core/index.js";
import {
  createCallLimits,
  createConnectionTracker,
  createConsoleAssets,
  createErrorBoundary,
  createGrpcUnaryFastPath,
  createLimitsInterceptor,
  createPrefaceRouter,
  createRpcHandler,
  createRpcMetrics,
  createRpcObserver,
} from "../server/index.js";
import { parseConfig } from "./config.js";
import { readConfigFile } from "./read-config-file.js";
import type { Config } from "./config.js";

export type ServerConfig = Pick<
  Config,
  "host" | "port" | "tls" | "maxMessageBytes" | "shutdownGraceMs" | "corsOrigins"
> &
  Partial<Pick<Config, "openEndpoints" | "oidc" | "limits">>;

export interface ServerDeps {
  readonly logger: Logger;
  /** RPC metrics are registered here, and /metrics serves it. */
  readonly metrics: Registry;
  /** The resource model the typed resource services and ResourceService serve; Unimplemented without. */
  readonly resources?: ResourceRouteDeps;
  /** Hears every call the guard refuses (the audit log). */
  readonly onDenied?: (denial: Denial) => void;
  /**
   * Health reports NOT_SERVING from the moment the port listens until this settles (the control
   * plane's controllers running), then SERVING; as a readiness probe expects. Default: SERVING at once.
   */
  readonly ready?: Promise<unknown>;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  /** Full names of the services answered, sorted. */
  readonly services: readonly string[];
  /** The one authentication and authorization function, for any other serving path. */
  readonly guard: Guard;
  /**
   * Graceful shutdown: health NOT_SERVING, no new connections, open streams ended, GOAWAY to HTTP/2
   * clients, idle HTTP/1.1 sockets closed; what remains after the grace period is destroyed.
   */
  close(): Promise<void>;
}

// A connection that has not shown its protocol by then is a stray or a slowloris.
const prefaceTimeoutMs = 10_000;

/** Starts the API on one port: gRPC, gRPC-Web and Connect over HTTP/2 and HTTP/1.1 (TLS if configured). */
export async function startServer(config: ServerConfig, deps: ServerDeps): Promise<RunningServer> {
  const { logger } = deps;
  const tls = config.tls && (await readTls(config.tls));
  const health = createHealthStatus();
  const shutdown = new AbortController();
  // Every open stream (one per plane agent, every watch) listens for shutdown: no listener limit.
  setMaxListeners(0, shutdown.signal);
  let services: string[] = [];
  // Mutations by principals and refusals; controllers' writes bypass it (they use the plain store).
  const audit = deps.resources
    ? createAuditTrail({ log: deps.resources.store.auditLog, codec: deps.resources.codec, clock: deps.resources.clock ?? createSystemClock(), logger })
    : undefined;
  const guard = createServerGuard(config, {
    ...deps,
    onDenied(denial) {
      audit?.onDenied(denial);
      deps.onDenied?.(denial);
    },
  });
  // Unset (tests, embedders): the defaults CHOREO_* would give.
  const limits = config.limits ?? parseConfig({}, ".").limits;
  const login = config.oidc && { issuer: config.oidc.issuer, clientId: config.oidc.clientId, scopes: config.oidc.scopes };
  // One cache of encoded objects for the fast reads and the watch streams.
  const resources = deps.resources && { ...deps.resources, encoded: createEncodedObjects(deps.resources) };
  // Every call passes these, whichever path serves it.
  const interceptors = [
    createRpcObserver({ logger, metrics: createRpcMetrics(deps.metrics) }),
    // Outside the boundary, so it sees the code each error reaches the client with.
    ...(audit ? [audit.interceptor] : []),
    createErrorBoundary(logger),
    // Inside the boundary: its refusals are domain errors the boundary maps to their codes.
    createGuardInterceptor(guard),
    // Inside the guard: rates and streams are counted per principal.
    createLimitsInterceptor({ limits: createCallLimits(limits), requestTimeoutMs: limits.requestTimeoutMs, maxPageSize: limits.maxPageSize }),
  ];
  const handler = createRpcHandler({
    routes(router) {
      routes(router, { health, descriptors: createDescriptorIndex(allFiles), login, ...(resources ? { resources } : {}) });
      services = servedServices(router);
    },
    interceptors,
    ...(resources ? { fastPath: createGrpcUnaryFastPath({ methods: fastReadMethods(resources), interceptors, maxMessageBytes: config.maxMessageBytes, shutdownSignal: shutdown.signal }) } : {}),
    authorizeMetrics: (headers) => guard.check({ procedure: metricsProcedure, headers }).then(() => undefined),
    maxMessageBytes: config.maxMessageBytes,
    shutdownSignal: shutdown.signal,
    metrics: deps.metrics,
    logger,
    corsOrigins: config.corsOrigins,
    serveOther: createConsoleAssets({ connectOrigins: config.oidc ? [new URL(config.oidc.issuer).origin] : [] }),
  });
  const tracker = createConnectionTracker();
  const onSessionError = (err: Error) => logger.debug({ err }, "http/2 session error");
  let http1: http.Server | undefined;
  let listener: NetServer;

  if (tls) {
    const secure = http2.createSecureServer({ ...tls, allowHTTP1: true });
    secure.on("secureConnection", (socket) => {
      tracker.socket(socket);
      if (socket.alpnProtocol === "h2") tracker.http2Socket(socket);
    });
    secure.on("session", (session) => tracker.http2Session(session));
    secure.on("sessionError", onSessionError);
    secure.on("tlsClientError", (err) => logger.debug({ err }, "tls handshake failed"));
    secure.on("request", (req, res) => {
      // With allowHTTP1, HTTP/1.1 requests arrive here too, as http.IncomingMessage.
      if (req.httpVersionMajor === 1) {
        tracker.http1Request(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
      }
      handler(req, res);
    });
    listener = secure;
  } else {
    const h2 = http2.createServer();
    h2.on("session", (session) => tracker.http2Session(session));
    h2.on("sessionError", onSessionError);
    h2.on("request", handler);
    const h1 = http.createServer();
    h1.on("request", (req, res) => {
      tracker.http1Request(req, res);
      handler(req, res);
    });
    // This server never listens itself; Node only enforces header and request timeouts once it has
    // seen 'listening'.
    h1.emit("listening");
    http1 = h1;
    listener = createPrefaceRouter({
      prefaceTimeoutMs,
      accepted: (socket) => tracker.socket(socket),
      handOff(socket, protocol) {
        if (protocol === "h2") {
          tracker.http2Socket(socket);
          h2.emit("connection", socket);
        } else {
          h1.emit("connection", socket);
          // The HTTP/1.1 parser reads in flowing mode; the router paused the socket to hand it over.
          socket.resume();
        }
      },
    });
  }

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(config.port, config.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  listener.on("error", (err) => logger.error({ err }, "listener error"));

  const serving = (status: ServingStatus) => {
    health.set("", status);
    for (const service of services) health.set(service, status);
  };
  if (deps.ready) {
    serving(ServingStatus.NOT_SERVING);
    deps.ready.then(
      () => serving(ServingStatus.SERVING),
      (err: unknown) => logger.error({ err }, "the control plane did not get ready: health stays NOT_SERVING"),
    );
  } else {
    serving(ServingStatus.SERVING);
  }

  const port = (listener.address() as AddressInfo).port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? "https" : "http"}://${host}:${port}`,
    port,
    services,
    guard,
    close() {
      closing ??= (async () => {
        guard.close();
        health.shutdown();
        const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
        shutdown.abort(new ConnectError("server is shutting down", Code.Unavailable));
        await tracker.shutdown(config.shutdownGraceMs);
        // Stops its connection-timeout checks, which would otherwise keep the process alive.
        http1?.close();
        await stopped;
      })();
      return closing;
    },
  };
}

/** The guard's name for GET /metrics, in the open set and the permission table. */
const metricsProcedure = "GET /metrics";

const openServices: Record<string, readonly string[]> = {
  health: ["grpc.health.v1.Health"],
  reflection: ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"],
  metrics: [metricsProcedure],
};

/**
 * Without a resource model (transport tests) there is no token or grant to check against: every call
 * but the open ones is refused as unauthenticated.
 */
function createServerGuard(config: ServerConfig, deps: ServerDeps): Guard {
  // The control plane's codec when there is one: building a second kind registry costs start-up time.
  const codec = deps.resources?.codec ?? createCodec(createKindRegistry(allFiles));
  const table = new Map(createPermissionTable(codec, allFiles.flatMap((f) => f.services)));
  table.set(metricsProcedure, () => [{ permission: "metrics:read", organization: undefined }]);
  const control = deps.resources?.accessControl;
  return createGuard({
    authenticators: control?.authenticators ?? [],
    authorizer: control?.authorizer ?? createAuthorizer({ grantsOf: () => [] }),
    table,
    open: new Set([...publicProcedures, ...(config.openEndpoints ?? ["health", "reflection", "metrics"]).flatMap((e) => openServices[e] ?? [])]),
    ...(deps.onDenied ? { onDenied: deps.onDenied } : {}),
  });
}

async function readTls(files: NonNullable<ServerConfig["tls"]>): Promise<{ cert: Buffer; key: Buffer }> {
  return { cert: await readConfigFile(files.certFile, "CHOREO_TLS_CERT"), key: await readConfigFile(files.keyFile, "CHOREO_TLS_KEY") };
}
