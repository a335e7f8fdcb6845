// Two control-plane processes on CHOREO_STORE=kubernetes against the Kubernetes API double (over TLS,
// as kubectl needs): started together, they bootstrap the store once (the admin token in a Secret);
// what one writes the other and kubectl read; one leader at a time; the leader SIGKILLed and the
// other taking over within the lease; no acknowledged write lost.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubeRestClient } from "../../src/store/kubernetes/index.js";
import { jsonOf, kubectlMissing, startClientRig, type ClientRig } from "../kube-api-double/real-clients.js";
import { repoRoot } from "../serving/support/repo-root.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../serving/support/spawn-server.js";
import { grpcJsBearer } from "../support/test-tokens.js";

type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;
interface ProjectMessage {
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: { deploymentPipelineRef: string };
}
interface ProjectClient extends grpc.Client {
  CreateProject(req: { project: unknown }, cb: Callback<{ project: ProjectMessage }>): void;
  GetProject(req: { namespace: string; name: string }, cb: Callback<{ project: ProjectMessage }>): void;
}
type ClientConstructor<T> = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => T;

const definition = protoLoader.loadSync(["openchoreo/api/v1alpha1/project_service.proto"], {
  includeDirs: [path.join(repoRoot, "proto")],
  enums: String,
  defaults: false,
  oneofs: true,
});
const ProjectService = (grpc.loadPackageDefinition(definition) as unknown as {
  openchoreo: { api: { v1alpha1: { ProjectService: ClientConstructor<ProjectClient> } } };
}).openchoreo.api.v1alpha1.ProjectService;

const call = <T>(fn: (cb: Callback<T>) => void): Promise<T> => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res!))));

const namespace = "openchoreo-system";
// Shorter terms than the defaults (15 / 10 / 2 s), so that a failover fits a test, with the same
// margins: the renew deadline must hold on a loaded machine, where the first seconds of a leader's
// term (every controller's first reconciles) keep its event loop busy.
const lease = { durationSeconds: 8, renewDeadlineSeconds: 6, retryPeriodSeconds: 1 };

interface Replica {
  readonly name: string;
  readonly dataDir: string;
  readonly server: SpawnedServer;
  port: number;
  identity: string;
  client?: ProjectClient;
}

/** Polls until `probe` returns a value, or fails after timeoutMs saying what it waited for. */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const project = (name: string) => ({
  apiVersion: "openchoreo.dev/v1alpha1",
  kind: "Project",
  metadata: { name, namespace: "default" },
  spec: { deploymentPipelineRef: "default" },
});

describe.skipIf(kubectlMissing !== undefined)("two control-plane replicas on the Kubernetes store", () => {
  let rig: ClientRig;
  let root: string;
  const replicas: Replica[] = [];

  const start = async (name: string): Promise<Replica> => {
    const dataDir = path.join(root, name);
    const server = spawnServer({
      CHOREO_STORE: "kubernetes",
      KUBECONFIG: rig.kubeconfig,
      CHOREO_KUBERNETES_NAMESPACE: namespace,
      CHOREO_LEASE_DURATION_SECONDS: String(lease.durationSeconds),
      CHOREO_LEASE_RENEW_DEADLINE_SECONDS: String(lease.renewDeadlineSeconds),
      CHOREO_LEASE_RETRY_PERIOD_SECONDS: String(lease.retryPeriodSeconds),
      CHOREO_PORT: "0",
      CHOREO_DATA_DIR: dataDir,
      CHOREO_EMBEDDED_AGENTS: "0",
      CHOREO_LOG_LEVEL: "info",
    });
    const replica: Replica = { name, dataDir, server, port: 0, identity: "" };
    replicas.push(replica);
    replica.port = (await waitForListening(server, 60_000)).port;
    replica.identity = await waitFor(`${name}'s identity in its log`, 5_000, () => /"identity":"([^"]+)"/.exec(server.stdout())?.[1]);
    return replica;
  };

  const holder = () => (rig.double.find({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace, name: "openchoreo-control-plane" })?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
  const leadingLines = (replica: Replica) => replica.server.stdout().split("\n").filter((line) => line.includes("leading: starting controllers")).length;

  beforeAll(async () => {
    rig = await startClientRig();
    root = mkdtempSync(path.join(tmpdir(), "two-replicas-"));
    const applied = await rig.kubectl(["apply", "--server-side", "-k", path.join(repoRoot, "deploy/crds")]);
    if (applied.code !== 0) throw new Error(`kubectl apply of deploy/crds failed: ${applied.stderr}`);
    await createKubeRestClient(rig.double.kubeConfig()).request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: namespace } } });
    // Both at once: they race to bootstrap the empty store.
    await Promise.all([start("a"), start("b")]);
    const secret = rig.double.find({ apiVersion: "v1", kind: "Secret", namespace, name: "openchoreo-admin-token" });
    const token = Buffer.from((secret?.data as { token: string }).token, "base64").toString("utf8");
    // The replica that created the token wrote it to its data directory too; the other wrote nothing.
    const files = replicas.filter((r) => existsSync(path.join(r.dataDir, "admin.token")));
    expect(files).toHaveLength(1);
    expect(readFileSync(path.join(files[0]!.dataDir, "admin.token"), "utf8").trim()).toBe(token);
    for (const replica of replicas) {
      expect(replica.server.stderr()).toContain(`data: Kubernetes API at ${rig.double.url}`);
      expect(replica.server.stderr()).toContain(`the platform admin's is in the Secret ${namespace}/openchoreo-admin-token (key token)`);
    }
    for (const replica of replicas) {
      replica.client = new ProjectService(`127.0.0.1:${replica.port}`, grpc.credentials.createInsecure(), { interceptors: [grpcJsBearer(token)] });
    }
  }, 120_000);

  afterAll(async () => {
    for (const replica of replicas) {
      replica.client?.close();
      replica.server.child.kill("SIGKILL");
      await replica.server.exited;
    }
    await rig?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("serves one state: a write through one replica reads back through the other and through kubectl", async () => {
    const [a, b] = replicas as [Replica, Replica];
    const created = await call<{ project: ProjectMessage }>((cb) => a.client!.CreateProject({ project: project("shop") }, cb));
    const read = await call<{ project: ProjectMessage }>((cb) => b.client!.GetProject({ namespace: "default", name: "shop" }, cb));
    expect(read.project.metadata.uid).toBe(created.project.metadata.uid);
    const viaKubectl = jsonOf(await rig.kubectl(["get", "projects.openchoreo.dev", "shop", "-n", "default", "-o", "json"]));
    expect((viaKubectl.metadata as { uid: string }).uid).toBe(created.project.metadata.uid);
    expect(viaKubectl.spec).toEqual({ deploymentPipelineRef: "default" });
  });

  it("runs the controllers in exactly one replica, the Lease's holder", async () => {
    const leader = await waitFor("a holder of the Lease", 10_000, () => replicas.find((r) => r.identity === holder()));
    await waitFor("the leader to start its controllers", 10_000, () => (leadingLines(leader) === 1 ? true : undefined));
    for (const replica of replicas) expect(leadingLines(replica)).toBe(replica === leader ? 1 : 0);
  });

  it("fails over to the other replica within the lease when the leader is SIGKILLed, losing no acknowledged write", async () => {
    const leader = replicas.find((r) => r.identity === holder())!;
    const survivor = replicas.find((r) => r !== leader)!;
    const acknowledged: string[] = [];
    let writing = true;
    // Writes through both replicas until the kill, then through the survivor: each acknowledged one must stay.
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const through = i % 2 === 0 || leader.server.child.exitCode !== null || leader.server.child.signalCode !== null ? survivor : leader;
        const name = `w-${i}`;
        await call((cb) => through.client!.CreateProject({ project: project(name) }, cb)).then(
          () => acknowledged.push(name),
          () => undefined,
        );
      }
    })();
    await waitFor("a few acknowledged writes", 10_000, () => (acknowledged.length >= 10 ? true : undefined));
    const killedAt = Date.now();
    leader.server.child.kill("SIGKILL");
    await leader.server.exited;
    const withinMs = (lease.durationSeconds + 2 * lease.retryPeriodSeconds) * 1000 + 2_000;
    await waitFor("the survivor to hold the Lease", withinMs, () => (holder() === survivor.identity ? true : undefined));
    await waitFor("the survivor to start its controllers", 5_000, () => (leadingLines(survivor) === 1 ? true : undefined));
    expect(Date.now() - killedAt).toBeLessThanOrEqual(withinMs);
    const afterKill = acknowledged.length;
    await waitFor("writes through the survivor after the failover", 10_000, () => (acknowledged.length >= afterKill + 5 ? true : undefined));
    writing = false;
    await writer;

    const lost: string[] = [];
    for (const name of acknowledged) {
      await call((cb) => survivor.client!.GetProject({ namespace: "default", name }, cb)).catch(() => lost.push(name));
    }
    expect(lost).toEqual([]);
    const viaKubectl = jsonOf(await rig.kubectl(["get", "projects.openchoreo.dev", "-n", "default", "-o", "json"]));
    const stored = new Set((viaKubectl.items as { metadata: { name: string } }[]).map((item) => item.metadata.name));
    expect(acknowledged.filter((name) => !stored.has(name))).toEqual([]);
  }, 90_000);
});
