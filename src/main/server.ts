// Entry point of `npm start`: reads the configuration once, starts the API, shuts down on SIGTERM/SIGINT.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createLogger } from "../agent/create-logger.js";
import { advertisedUrl } from "./advertised-url.js";
import { startUpBanner } from "./start-up-banner.js";
import { bootstrapTokenFile } from "../auth/bootstrap-admin-token.js";
import { isConfigError, parseConfig, unknownConfigVariables } from "./config.js";
import type { Config, ConfigError } from "./config.js";

// Exit code for a configuration the server cannot start with (distinct from a crash, 1).
const exitBadConfig = 2;

function failConfig(err: ConfigError): never {
  process.stderr.write(`choreo: invalid configuration\n${err.issues.map((i) => `  ${i.variable}: ${i.message}\n`).join("")}`);
  process.exit(exitBadConfig);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = parseConfig(process.env, process.cwd());
  } catch (err) {
    if (isConfigError(err)) failConfig(err);
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, fd: 1 });
  for (const variable of unknownConfigVariables(process.env)) {
    logger.warn({ variable }, "unknown CHOREO_ variable ignored (a typo?)");
  }
  await mkdir(config.dataDir, { recursive: true });

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  // Loaded only once the configuration is known good: the generated descriptors take seconds to load
  // under tsx, and a typo in a variable should be reported at once.
  const { startServer } = await import("./start-server.js");
  const { startControlPlane } = await import("./control-plane.js");
  const { startEmbeddedAgents, loopbackUrl, agentEntryArgs } = await import("./embedded-agents.js");
  // The store first: it takes the data-directory lock, so a second server fails before it binds a port.
  // The controllers wait until the server listens (their first pass would delay it); health says
  // NOT_SERVING until they run.
  let listening!: () => void;
  const holdControllersUntil = new Promise<void>((resolve) => (listening = resolve));
  const plane = await startControlPlane(config, { logger, metrics, holdControllersUntil }).catch((err: unknown) => {
    // Files the settings name (TLS, the OIDC CA) are read here first.
    if (isConfigError(err)) failConfig(err);
    throw err;
  });
  const server = await startServer(config, { logger, metrics, resources: plane, ready: plane.controllersStarted }).catch(async (err: unknown) => {
    await plane.close();
    if (isConfigError(err)) failConfig(err);
    throw err;
  });

  await plane.advertise(advertisedUrl(server.url, config.kubernetes.advertiseUrl));

  // The embedded planes' agents dial this server like any remote agent would, once it listens.
  const agents = config.embeddedAgents
    ? await startEmbeddedAgents(
        { dataDir: config.dataDir, serverUrl: loopbackUrl(server.url, config), simulate: config.agentSimulation, agentEntry: agentEntryArgs(process.argv[1] ?? ""), trustedCertFile: config.tls?.certFile },
        { store: plane.store, credentials: plane.planes.credentials, logger },
      )
    : undefined;

  // Installed before the banner, so that whoever waits for it can signal the server at once.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // Repeats are ignored: a signal sent to the process group (a terminal's Ctrl-C, `timeout`, tsx
    // relaying to its child) arrives twice, and shutdown is bounded by its grace period anyway.
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
    // Backstop in case something refuses to close even after the grace period's destroy.
    setTimeout(() => {
      logger.error("shutdown did not finish in time");
      process.exit(1);
    }, config.shutdownGraceMs + 1000).unref();
    (agents?.stop() ?? Promise.resolve()).then(() => server.close()).then(() => plane.close()).then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  process.stderr.write(
    startUpBanner({
      url: server.url,
      services: server.services,
      dataDir: config.dataDir,
      ...(plane.stateDescription ? { state: plane.stateDescription } : {}),
      ...(plane.adminTokenSecret ? { adminTokenSecret: plane.adminTokenSecret } : {}),
      created: plane.created,
      agents: agents?.planes.map((p) => `${p.kind} ${p.namespace}/${p.name}`),
      agentSimulation: config.agentSimulation,
      agentsDir: join(config.dataDir, "agents"),
      adminTokenFile: plane.adminTokenFile ?? join(config.dataDir, bootstrapTokenFile),
      adminTokenCreated: plane.adminTokenFile !== undefined,
      openEndpoints: config.openEndpoints,
    }),
  );
  logger.info({ url: server.url, port: server.port }, "listening");
  // Only now: until here nothing waits for the controllers' first pass, and it would delay the above.
  listening();
}

main().catch((err: unknown) => {
  process.stderr.write(`choreo: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
