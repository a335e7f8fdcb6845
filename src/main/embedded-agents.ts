import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as path from "node:path";
import type { Logger } from "pino";
import { BuildPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { planeDriverAnnotation } from "../bootstrap/index.js";
import { credentialAccepts, credentialName, hashToken, type PlaneCredentials, type PlaneKind, type PlaneRef } from "../planes/index.js";
import { PlaneCredentialSchema } from "../../gen/openchoreo/model/v1alpha1/plane_credential_pb.js";
import type { ResourceStore } from "../store/index.js";

const repository = fileURLToPath(new URL("../..", import.meta.url));

/**
 * How to run the agent the way this server runs: the compiled bundle when the server is compiled
 * (dist/), the TypeScript sources through tsx when it runs from sources (development and tests).
 */
export function agentEntryArgs(serverEntry: string): readonly string[] {
  return serverEntry.endsWith(".ts") ? ["--import", "tsx", path.join(repository, "src/agent/main.ts")] : [path.join(repository, "dist/agent/main.js")];
}

export interface EmbeddedAgentsOptions {
  readonly dataDir: string;
  /** The URL agents dial: the server's own, on loopback. */
  readonly serverUrl: string;
  readonly simulate: boolean;
  /** The node arguments that start an agent (agentEntryArgs). */
  readonly agentEntry: readonly string[];
  /** With TLS: the server's certificate, which the agents trust (NODE_EXTRA_CA_CERTS). */
  readonly trustedCertFile?: string | undefined;
}

/**
 * The server's URL as its own children reach it: loopback when it listens on every interface, and
 * "localhost" with TLS, the name a development certificate is issued for.
 */
export function loopbackUrl(serverUrl: string, config: { readonly tls?: unknown }): string {
  const url = new URL(serverUrl);
  if (config.tls) url.hostname = "localhost";
  else if (url.hostname === "0.0.0.0" || url.hostname === "[::]") url.hostname = "127.0.0.1";
  return url.origin;
}

export interface EmbeddedAgentsDeps {
  readonly store: ResourceStore;
  readonly credentials: PlaneCredentials;
  readonly logger: Logger;
}

export interface EmbeddedAgents {
  /** The planes whose agents run as child processes. */
  readonly planes: readonly PlaneRef[];
  /** SIGTERM to every agent; resolves once they all exited. */
  stop(): Promise<void>;
}

/**
 * Runs the agent of every plane served by the `local` driver (the embedded `default` planes) as a
 * child process that dials this server over the same gRPC stream a remote agent uses: no shortcut,
 * so the embedded mode exercises the real protocol. Each plane's token lives in the data directory
 * (mode 0600) and is re-issued when the credential no longer accepts it; an agent that exits is
 * restarted with backoff, until stop.
 */
export async function startEmbeddedAgents(options: EmbeddedAgentsOptions, deps: EmbeddedAgentsDeps): Promise<EmbeddedAgents> {
  const planes: PlaneRef[] = [];
  for (const [kind, schema] of [["DataPlane", DataPlaneSchema], ["BuildPlane", BuildPlaneSchema]] as const) {
    for (const plane of (await deps.store.list(schema)).items) {
      if (plane.metadata?.annotations[planeDriverAnnotation] !== "local") continue;
      planes.push({ kind: kind as PlaneKind, namespace: plane.metadata.namespace, name: plane.metadata.name });
    }
  }
  const agentsDir = path.join(options.dataDir, "agents");
  await mkdir(agentsDir, { recursive: true, mode: 0o700 });
  const supervisors: { stop(): Promise<void> }[] = [];
  for (const plane of planes) {
    const base = `${plane.namespace}-${plane.kind.toLowerCase()}-${plane.name}`;
    const credentialFile = path.join(agentsDir, `${base}.token`);
    await ensureToken(deps, plane, credentialFile);
    const args = [
      ...options.agentEntry,
      "--plane", plane.name,
      "--plane-kind", plane.kind,
      "--credential-file", credentialFile,
      "--server", options.serverUrl,
      "--driver", "local",
      "--dir", path.join(agentsDir, base),
      ...(options.simulate ? [] : ["--no-simulate"]),
    ];
    const env = options.trustedCertFile ? { ...process.env, NODE_EXTRA_CA_CERTS: options.trustedCertFile } : process.env;
    supervisors.push(supervise(args, env, deps.logger.child({ agent: base })));
  }
  return {
    planes,
    stop: async () => {
      await Promise.all(supervisors.map((s) => s.stop()));
    },
  };
}

/** Keeps the token file one the plane's credential accepts, registering the plane when it does not. */
async function ensureToken(deps: EmbeddedAgentsDeps, plane: PlaneRef, file: string): Promise<void> {
  const token = await readFile(file, "utf8").then((t) => t.trim(), () => "");
  if (token) {
    const credential = await deps.store.get(PlaneCredentialSchema, { namespace: plane.namespace, name: credentialName(plane) }).catch(() => undefined);
    if (credential && credentialAccepts(credential, hashToken(token), Date.now())) return;
  }
  // The server's own agent lost its token (or never had one): replacing is the server's to do.
  const issued = await deps.credentials.register(plane, { replace: true });
  await writeFile(file, `${issued.token}\n`, { mode: 0o600 });
}

/** One child process, restarted after it exits (1 s doubling to 30 s; reset after a minute of life). */
function supervise(args: readonly string[], env: NodeJS.ProcessEnv, logger: Logger): { stop(): Promise<void> } {
  let child: ChildProcess | undefined;
  let stopping = false;
  let delayMs = 1000;
  let timer: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = () => {
    const startedAt = Date.now();
    child = spawn(process.execPath, args, { cwd: repository, env, stdio: ["ignore", "inherit", "inherit"] });
    exited = new Promise((resolve) => {
      child!.once("exit", (code, signal) => {
        child = undefined;
        resolve();
        if (stopping) return;
        if (Date.now() - startedAt > 60_000) delayMs = 1000;
        logger.warn({ code, signal, restartInMs: delayMs }, "plane agent exited; restarting it");
        timer = setTimeout(start, delayMs);
        delayMs = Math.min(delayMs * 2, 30_000);
      });
    });
  };
  start();
  return {
    async stop() {
      stopping = true;
      clearTimeout(timer);
      child?.kill("SIGTERM");
      await exited;
    },
  };
}
