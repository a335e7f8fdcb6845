// Entry point of `npm run agent`: parses the command line once, starts the agent, exits 0 on SIGTERM.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Logger } from "pino";
import { createLogger, isLogFormat, logFormats } from "./create-logger.js";
import type { PlaneDriver } from "./driver.js";
import { startHealthEndpoint } from "./health-endpoint.js";
import { createLocalDriver } from "./local-driver.js";
import { agentUsage, isAgentArgsError, parseAgentArgs, type AgentArgs } from "./parse-agent-args.js";
import { createPlaneAgent } from "./plane-agent.js";
import { createPlaneGuard, type PlaneGuard } from "./plane-guard.js";

// Exit code for a command line the agent cannot start with (distinct from a crash, 1).
const exitUsage = 2;

function usageError(message: string): never {
  process.stderr.write(`agent: ${message}\n\n${agentUsage}`);
  process.exit(exitUsage);
}

async function readCredential(file: string): Promise<string> {
  const token = (await readFile(file, "utf8")).trim();
  if (!token) throw new Error(`the credential file ${file} is empty`);
  return token;
}

/** Loaded only for this driver: the Kubernetes client is most of a local agent's start-up time. */
async function kubernetesDriver(args: AgentArgs, guard: PlaneGuard, logger: Logger): Promise<PlaneDriver> {
  const [{ createKubernetesDriver }, { loadKubeConfig }] = await Promise.all([import("./kubernetes-driver.js"), import("./kubernetes-config.js")]);
  return createKubernetesDriver({
    kubeConfig: loadKubeConfig(args.kubeconfig && resolve(args.kubeconfig)),
    agentId: `${args.planeKind.toLowerCase()}.${args.plane}`,
    namespace: args.inventoryNamespace ?? "openchoreo-agent",
    kinds: guard.kinds,
    logger,
  });
}

async function main(): Promise<void> {
  let args: AgentArgs;
  try {
    const parsed = parseAgentArgs(process.argv.slice(2));
    if (parsed === "help") {
      process.stdout.write(agentUsage);
      return;
    }
    args = parsed;
  } catch (err) {
    if (isAgentArgsError(err)) usageError(err.message);
    throw err;
  }
  const credentialFile = resolve(args.credentialFile);
  // Checked once up front so a typo is reported at once; re-read on every connection for rotation.
  await readCredential(credentialFile).catch((err: Error) => usageError(`--credential-file: ${err.message}`));
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

  // The server's variable: the embedded agents inherit its environment and terminal, so they print
  // as it does. Logs go to stderr, keeping stdout free.
  const logFormat = process.env.CHOREO_LOG_FORMAT || "auto";
  if (!isLogFormat(logFormat)) usageError(`CHOREO_LOG_FORMAT: must be one of ${logFormats.join(", ")} (got "${logFormat}")`);
  const logger = createLogger({ level: args.logLevel, format: logFormat, fd: 2 });
  const guard = createPlaneGuard(args.guard);
  logger.info({ kinds: guard.kinds.map((k) => k.kind), namespacePrefixes: guard.namespacePrefixes }, "the agent applies only these kinds, into these namespaces");
  const driver =
    args.driver === "kubernetes"
      ? await kubernetesDriver(args, guard, logger)
      : createLocalDriver({ dir: resolve(args.dir), simulate: args.simulate, readyDelayMs: args.simulateDelayMs, logger });
  const health = args.healthPort === undefined ? undefined : await startHealthEndpoint(args.healthPort);
  const agent = createPlaneAgent({
    server: args.server,
    planeName: args.plane,
    planeKind: args.planeKind,
    agentVersion: pkg.version,
    credential: () => readCredential(credentialFile),
    driver,
    guard,
    logger,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A signal sent to the process group arrives twice (npm and tsx relay it): the first one counts.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    setTimeout(() => {
      logger.error("stop did not finish in time");
      process.exit(1);
    }, 10_000).unref();
    agent.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  await agent.start();
  health?.markReady();
}

main().catch((err: unknown) => {
  process.stderr.write(`agent: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
