import { parseDuration } from "../model/parse-duration.js";
import type { PlaneKind } from "./plane-agent.js";
import { createPlaneGuard, isPlaneGuardConfigError, type PlaneGuardConfig } from "./plane-guard.js";

/** The agent's command line, parsed. */
export interface AgentArgs {
  readonly plane: string;
  readonly planeKind: PlaneKind;
  readonly credentialFile: string;
  readonly server: string;
  readonly driver: "local" | "kubernetes";
  /** The local driver's directory; "" for the kubernetes driver. */
  readonly dir: string;
  /** kubernetes driver: a kubeconfig file; without one, the pod's service account (in-cluster). */
  readonly kubeconfig?: string;
  /** kubernetes driver: the namespace holding the inventory ConfigMaps. */
  readonly inventoryNamespace?: string;
  /** Serves /healthz and /readyz on this port (probes) when given. */
  readonly healthPort?: number;
  readonly simulate: boolean;
  readonly simulateDelayMs: number;
  readonly logLevel: string;
  /** What the agent lets into its plane; only its command line sets it. */
  readonly guard: PlaneGuardConfig;
}

export const agentUsage = `usage: npm run agent -- --plane NAME --credential-file FILE --server URL [options]

  --plane NAME             the plane this agent serves (its credential must be for it)
  --plane-kind KIND        DataPlane (default) or BuildPlane
  --credential-file FILE   file holding the plane credential (re-read on every connection)
  --server URL             the control plane, http://host:port (h2c) or https://host:port
  --driver local|kubernetes  where objects go: files (local, the default) or a cluster
  --dir DIR                the local driver's directory (objects and inventory)
  --kubeconfig FILE        kubernetes: the cluster's kubeconfig (default: the pod's service account)
  --inventory-namespace NS kubernetes: where inventory ConfigMaps live (default openchoreo-agent)
  --health-port PORT       serve /healthz and /readyz on this port (for probes)
  --no-simulate            do not simulate workloads: their health stays Unknown (NoRuntime)
  --namespace-prefix LIST  the namespaces the agent writes into, by prefix, comma-separated
                           (default dp- for a DataPlane, openchoreo-ci- for a BuildPlane)
  --allow-kind LIST        namespaced kinds allowed beyond the plane's own, comma-separated
                           APIVERSION/KIND, e.g. v1/Secret,monitoring.coreos.com/v1/ServiceMonitor
  --privileged-build-templates LIST
                           BuildPlane: the ClusterWorkflowTemplates that may run privileged pods
                           with hostPath volumes (default: the four shipped ones; none for none)
  --simulate-delay D       how long a simulated Deployment progresses, and each simulated build step (default 1s)
  --log-level LEVEL        trace, debug, info (default), warn, error
`;

/** A command line the agent cannot start with; the message names the flag. */
export class AgentArgsError extends Error {
  override readonly name = "AgentArgsError";
}

export function isAgentArgsError(err: unknown): err is AgentArgsError {
  return err instanceof Error && err.name === "AgentArgsError";
}

const valued = [
  "--plane",
  "--plane-kind",
  "--credential-file",
  "--server",
  "--driver",
  "--dir",
  "--simulate-delay",
  "--log-level",
  "--kubeconfig",
  "--inventory-namespace",
  "--health-port",
  "--namespace-prefix",
  "--allow-kind",
  "--privileged-build-templates",
];
const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** Parses argv (without node and the script); "help" when help was asked for. */
export function parseAgentArgs(argv: readonly string[]): AgentArgs | "help" {
  const values = new Map<string, string>();
  let simulate = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--no-simulate") {
      simulate = false;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!valued.includes(flag)) throw new AgentArgsError(`${arg}: unknown flag`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) throw new AgentArgsError(`${flag}: needs a value`);
    if (values.has(flag)) throw new AgentArgsError(`${flag}: given twice`);
    values.set(flag, value);
  }
  const required = (flag: string) => {
    const value = values.get(flag);
    if (value === undefined) throw new AgentArgsError(`${flag}: required`);
    return value;
  };

  const plane = required("--plane");
  const planeKind = values.get("--plane-kind") ?? "DataPlane";
  if (planeKind !== "DataPlane" && planeKind !== "BuildPlane") throw new AgentArgsError(`--plane-kind: ${planeKind} is neither DataPlane nor BuildPlane`);
  const server = required("--server");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new AgentArgsError(`--server: ${server} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new AgentArgsError(`--server: ${server} is neither http:// nor https://`);
  const driver = values.get("--driver") ?? "local";
  if (driver !== "local" && driver !== "kubernetes") throw new AgentArgsError(`--driver: ${driver} is not a driver (local, kubernetes)`);
  const inventoryNamespace = values.get("--inventory-namespace") ?? "openchoreo-agent";
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(inventoryNamespace)) throw new AgentArgsError(`--inventory-namespace: ${inventoryNamespace} is not a namespace name`);
  const healthPortText = values.get("--health-port");
  const healthPort = healthPortText === undefined ? undefined : Number(healthPortText);
  if (healthPort !== undefined && !(Number.isInteger(healthPort) && healthPort >= 0 && healthPort <= 65535)) throw new AgentArgsError(`--health-port: ${healthPortText} is not a port`);
  const delay = values.get("--simulate-delay") ?? "1s";
  const simulateDelayMs = parseDuration(delay);
  if (simulateDelayMs === undefined) throw new AgentArgsError(`--simulate-delay: ${delay} is not a duration such as 1s or 500ms`);
  const logLevel = values.get("--log-level") ?? "info";
  if (!logLevels.includes(logLevel)) throw new AgentArgsError(`--log-level: ${logLevel} is not one of ${logLevels.join(", ")}`);
  const guard = guardConfig(values, planeKind, driver === "kubernetes" ? inventoryNamespace : undefined);
  return {
    plane,
    planeKind,
    credentialFile: required("--credential-file"),
    server: server.replace(/\/+$/, ""),
    driver,
    dir: driver === "local" ? required("--dir") : "",
    simulate,
    simulateDelayMs,
    logLevel,
    guard,
    ...(driver === "kubernetes" ? { inventoryNamespace, ...(values.has("--kubeconfig") ? { kubeconfig: values.get("--kubeconfig")! } : {}) } : {}),
    ...(healthPort === undefined ? {} : { healthPort }),
  };
}

const list = (value: string) => value.split(",").map((item) => item.trim()).filter((item) => item !== "");
const namePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The guard's limits from --namespace-prefix, --allow-kind and --privileged-build-templates. */
function guardConfig(values: ReadonlyMap<string, string>, planeKind: PlaneKind, inventoryNamespace: string | undefined): PlaneGuardConfig {
  const prefixesText = values.get("--namespace-prefix");
  const namespacePrefixes = prefixesText === undefined ? undefined : list(prefixesText);
  if (namespacePrefixes?.length === 0) throw new AgentArgsError("--namespace-prefix: needs at least one prefix");
  for (const prefix of namespacePrefixes ?? []) if (!/^[a-z0-9][-a-z0-9]*$/.test(prefix)) throw new AgentArgsError(`--namespace-prefix: ${prefix} cannot begin a namespace name`);
  const extraKinds = list(values.get("--allow-kind") ?? "").map((item) => {
    const slash = item.lastIndexOf("/");
    const apiVersion = item.slice(0, slash);
    const kind = item.slice(slash + 1);
    if (slash <= 0 || !/^([a-z0-9.-]+\/)?v[0-9]+[a-z0-9]*$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
      throw new AgentArgsError(`--allow-kind: ${item} is not APIVERSION/KIND, e.g. v1/Secret`);
    }
    return { apiVersion, kind };
  });
  const templatesText = values.get("--privileged-build-templates");
  if (templatesText !== undefined && planeKind !== "BuildPlane") throw new AgentArgsError("--privileged-build-templates: only for --plane-kind BuildPlane");
  const privilegedBuildTemplates = templatesText === undefined ? undefined : templatesText === "none" ? [] : list(templatesText);
  for (const name of privilegedBuildTemplates ?? []) if (!namePattern.test(name)) throw new AgentArgsError(`--privileged-build-templates: ${name} is not a template name`);
  const config: PlaneGuardConfig = {
    planeKind,
    ...(namespacePrefixes ? { namespacePrefixes } : {}),
    ...(extraKinds.length ? { extraKinds } : {}),
    ...(privilegedBuildTemplates ? { privilegedBuildTemplates } : {}),
    ...(inventoryNamespace ? { protectedNamespaces: [inventoryNamespace] } : {}),
  };
  try {
    createPlaneGuard(config);
  } catch (err) {
    if (isPlaneGuardConfigError(err)) throw new AgentArgsError(`--allow-kind: ${err.message}`);
    throw err;
  }
  return config;
}
