// Test support: the double driven by clients nobody here wrote, kubectl and Debian's python3-kubernetes,
// over TLS with a bearer token, as they would reach a real cluster.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startKubeApiDouble, type KubeApiDouble, type KubeApiDoubleOptions } from "./kube-api-double.js";

const python = "/usr/bin/python3";

function missing(command: string, args: readonly string[], why: string): string | undefined {
  try {
    execFileSync(command, args, { stdio: "ignore", timeout: 30_000 });
    return undefined;
  } catch {
    return why;
  }
}

/** Why the kubectl scenarios cannot run here, or undefined when they can. */
export const kubectlMissing = missing("kubectl", ["version", "--client"], "kubectl is not installed (it ships with the Google Cloud SDK; .ci/run expects it on the machine)");

/** Why the Python client scenarios cannot run here, or undefined when they can. */
export const pythonKubernetesMissing = missing(python, ["-c", "import kubernetes"], "Debian's python3-kubernetes is not installed (apt-get install python3-kubernetes; .ci/run does)");

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ClientRig {
  readonly double: KubeApiDouble;
  /** The kubeconfig file both clients read. */
  readonly kubeconfig: string;
  /** Runs kubectl against the double; `input` goes to its stdin (`-f -`). */
  kubectl(args: readonly string[], input?: string): Promise<CommandResult>;
  /** Starts a long-running kubectl (`get -w`); the rig ends it on close. */
  spawnKubectl(args: readonly string[]): ChildProcess;
  /**
   * Runs a Python script with `kubernetes` imported, the kubeconfig loaded, `core` (CoreV1Api),
   * `api` (ApiClient), `dynamic` (DynamicClient) and `show(value)` (prints JSON) defined.
   */
  python(script: string): Promise<CommandResult>;
  close(): Promise<void>;
}

const pythonPrelude = `
import json, sys
import kubernetes
from kubernetes import client, config, dynamic, watch
config.load_kube_config()
api = client.ApiClient()
core = client.CoreV1Api(api)
dynamic = dynamic.DynamicClient(api)
def show(value):
    print(json.dumps(value, default=str))
`;

function run(command: string, args: readonly string[], input: string | undefined, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(command, [...args], { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? "");
  });
}

/** A TLS double with a kubeconfig file for kubectl and the Python client. */
export async function startClientRig(options: KubeApiDoubleOptions = {}): Promise<ClientRig> {
  const double = await startKubeApiDouble({ ...options, tls: true });
  const dir = await mkdtemp(path.join(tmpdir(), "kube-api-double-clients-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  await writeFile(kubeconfig, double.kubeconfigYaml());
  // Each rig has its own discovery cache and home, so no client reads another server's discovery.
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir, KUBECACHEDIR: path.join(dir, "cache") };
  const children = new Set<ChildProcess>();
  return {
    double,
    kubeconfig,
    kubectl: (args, input) => run("kubectl", ["--cache-dir", path.join(dir, "cache"), ...args], input, env),
    spawnKubectl(args) {
      const child = spawn("kubectl", ["--cache-dir", path.join(dir, "cache"), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      children.add(child);
      child.on("exit", () => children.delete(child));
      return child;
    },
    python: (script) => run(python, ["-c", `${pythonPrelude}\n${script}`], undefined, env),
    async close() {
      for (const child of children) child.kill();
      await double.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A kubectl result's JSON output, or an error carrying its stderr. */
export function jsonOf(result: CommandResult): Record<string, unknown> {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
