// Two control-plane processes on CHOREO_STORE=kubernetes against the Kubernetes API double (over TLS,
// as kubectl needs): started together, they bootstrap the store once (the admin token in a Secret);
// what one writes the other and kubectl read; one audit log; one leader at a time; the leader SIGKILLed and the
// other taking over within the lease; no acknowledged write lost; a change applied through the
// survivor reaching a plane agent connected to it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import { serviceComponent } from "../support/service-component.js";

type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;
interface ProjectMessage {
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: { deploymentPipelineRef: string };
}
interface DataPlaneClient extends grpc.Client {
  RegisterDataPlane(req: { namespace: string; name: string }, cb: Callback<{ credential: string }>): void;
}
interface ResourceClient extends grpc.Client {
  Apply(req: { manifests: string }, cb: Callback<{ results: { action: string }[] }>): void;
}
interface ProjectClient extends grpc.Client {
  CreateProject(req: { project: unknown }, cb: Callback<{ project: ProjectMessage }>): void;
  GetProject(req: { namespace: string; name: string }, cb: Callback<{ project: ProjectMessage }>): void;
}
/** Live objects as grpc-js decodes them: each object a google.protobuf.Struct. */
interface LiveObjects {
  agentConnected: boolean;
  objects: { object: { fields: { metadata?: { structValue: { fields: { name?: { stringValue: string } } } } } } }[];
}
interface BuildPlaneClient extends grpc.Client {
  RegisterBuildPlane(req: { namespace: string; name: string }, cb: Callback<{ credential: string }>): void;
  ListBuildPlaneObjects(req: { namespace: string; name: string; kind: string }, cb: Callback<LiveObjects>): void;
}
interface BuildClient extends grpc.Client {
  ListBuildTemplates(req: { namespace: string }, cb: Callback<{ templates: { name: string }[] }>): void;
}
interface AuditClient extends grpc.Client {
  ListAuditRecords(req: { namespace: string; kind: string }, cb: Callback<{ records: { subject: string; method: string; name: string; code: string; detail: string }[] }>): void;
}
interface ComponentClient extends grpc.Client {
  StreamComponentLogs(req: { namespace: string; name: string; environment: string; tailLines: number }): grpc.ClientReadableStream<{ lines: { pod: string; text: string }[] }>;
  GetResourceTree(req: { namespace: string; name: string; environment: string }, cb: Callback<{ nodes: { kind: string; name: string; simulated: boolean }[] }>): void;
}
type ClientConstructor<T> = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => T;

const definition = protoLoader.loadSync(["openchoreo/api/v1alpha1/project_service.proto", "openchoreo/api/v1alpha1/data_plane_service.proto", "openchoreo/api/v1alpha1/resource_service.proto", "openchoreo/api/v1alpha1/audit_service.proto", "openchoreo/api/v1alpha1/build_plane_service.proto", "openchoreo/api/v1alpha1/build_service.proto", "openchoreo/api/v1alpha1/component_service.proto"], {
  includeDirs: [path.join(repoRoot, "proto")],
  enums: String,
  defaults: false,
  oneofs: true,
});
const api = (grpc.loadPackageDefinition(definition) as unknown as {
  openchoreo: {
    api: {
      v1alpha1: {
        ProjectService: ClientConstructor<ProjectClient>;
        DataPlaneService: ClientConstructor<DataPlaneClient>;
        ResourceService: ClientConstructor<ResourceClient>;
        AuditService: ClientConstructor<AuditClient>;
        BuildPlaneService: ClientConstructor<BuildPlaneClient>;
        BuildService: ClientConstructor<BuildClient>;
        ComponentService: ClientConstructor<ComponentClient>;
      };
    };
  };
}).openchoreo.api.v1alpha1;
const ProjectService = api.ProjectService;

const call = <T>(fn: (cb: Callback<T>) => void): Promise<T> => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res!))));

const namespace = "openchoreo-system";

const greeter = serviceComponent("greeter", { namespace: "default", image: "ghcr.io/openchoreo/samples/greeter-service:latest" });

/** Every file below dir (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f));
}
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
  token?: string;
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
  let agent: ChildProcess | undefined;
  let buildAgent: ChildProcess | undefined;

  /** A plane agent process (the local driver) dialling a replica. */
  const startAgent = (replica: Replica, kind: "DataPlane" | "BuildPlane", credential: string): { process: ChildProcess; dir: string } => {
    const dir = path.join(root, `agent-${kind}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "credential"), credential);
    const args = ["--plane", "default", "--plane-kind", kind, "--credential-file", path.join(dir, "credential"), "--server", `http://127.0.0.1:${replica.port}`, "--dir", path.join(dir, "plane")];
    return { process: spawn(process.execPath, ["--import", "tsx", "src/agent/main.ts", ...args], { cwd: repoRoot, stdio: "ignore" }), dir };
  };

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
      replica.token = token;
    }
  }, 120_000);

  afterAll(async () => {
    for (const replica of replicas) {
      replica.client?.close();
      replica.server.child.kill("SIGKILL");
      await replica.server.exited;
    }
    await rig?.close();
    agent?.kill("SIGKILL");
    buildAgent?.kill("SIGKILL");
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

  it("keeps one audit log: a change made through one replica is listed by the other, and a refusal too", async () => {
    const [a, b] = replicas as [Replica, Replica];
    await call((cb) => a.client!.CreateProject({ project: project("audited") }, cb));
    const stranger = new ProjectService(`127.0.0.1:${a.port}`, grpc.credentials.createInsecure(), { interceptors: [grpcJsBearer("choreo_not-a-token")] });
    await expect(call((cb) => stranger.CreateProject({ project: project("refused") }, cb))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    stranger.close();
    const audit = new api.AuditService(`127.0.0.1:${b.port}`, grpc.credentials.createInsecure(), { interceptors: [grpcJsBearer(b.token!)] });
    try {
      const { records } = await call<{ records: { subject: string; method: string; name: string; code: string; detail: string }[] }>((cb) => audit.ListAuditRecords({ namespace: "", kind: "" }, cb));
      expect(records.find((r) => r.name === "audited")).toMatchObject({ subject: "token:admin", method: "openchoreo.api.v1alpha1.ProjectService/CreateProject", code: "ok", detail: "create" });
      expect(records.find((r) => r.name === "refused")).toMatchObject({ code: "unauthenticated" });
    } finally {
      audit.close();
    }
  });

  it("answers a plane's live objects through either replica: the one without its agent's session forwards, as the caller", async () => {
    const [a, b] = replicas as [Replica, Replica];
    const client = (replica: Replica, token: string) => new api.BuildPlaneService(`127.0.0.1:${replica.port}`, grpc.credentials.createInsecure(), { interceptors: [grpcJsBearer(token)] });
    const [viaA, viaB] = [client(a, a.token!), client(b, b.token!)];
    try {
      const { credential } = await call<{ credential: string }>((cb) => viaA.RegisterBuildPlane({ namespace: "default", name: "default" }, cb));
      buildAgent = startAgent(a, "BuildPlane", credential).process;
      // The build templates' Release reaches the agent (on a) through the shared store; b asks a for what is live.
      const live = await waitFor("the build plane's templates, live, through the other replica", 60_000, async () => {
        const answer = await call<LiveObjects>((cb) =>
          viaB.ListBuildPlaneObjects({ namespace: "default", name: "default", kind: "ClusterWorkflowTemplate" }, cb),
        );
        return answer.agentConnected && answer.objects.length > 0 ? answer : undefined;
      });
      expect(live.objects.map((o) => o.object.fields.metadata?.structValue.fields.name?.stringValue)).toContain("docker");
      // BuildService.ListBuildTemplates goes the same way (its answer without the agent would look alike: the Release's).
      const builds = new api.BuildService(`127.0.0.1:${b.port}`, grpc.credentials.createInsecure(), { interceptors: [grpcJsBearer(b.token!)] });
      const { templates } = await call<{ templates: { name: string }[] }>((cb) => builds.ListBuildTemplates({ namespace: "default" }, cb));
      builds.close();
      expect(templates.map((t) => t.name)).toContain("docker");
      // Forwarded as the caller: a credential b refuses is refused, and one a accepts is never needed.
      const stranger = client(b, "choreo_not-a-token");
      await expect(call((cb) => stranger.ListBuildPlaneObjects({ namespace: "default", name: "default", kind: "" }, cb))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      stranger.close();
    } finally {
      viaA.close();
      viaB.close();
    }
  }, 90_000);

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

  it("delivers a change applied through the survivor to a plane agent connected to it", async () => {
    const survivor = replicas.find((r) => r.server.child.exitCode === null && r.server.child.signalCode === null)!;
    const options = { interceptors: [grpcJsBearer(survivor.token!)] };
    const address = `127.0.0.1:${survivor.port}`;
    const planes = new api.DataPlaneService(address, grpc.credentials.createInsecure(), options);
    const resources = new api.ResourceService(address, grpc.credentials.createInsecure(), options);
    try {
      const { credential } = await call<{ credential: string }>((cb) => planes.RegisterDataPlane({ namespace: "default", name: "default" }, cb));
      const started = startAgent(survivor, "DataPlane", credential);
      agent = started.process;
      const dir = started.dir;
      await call((cb) => resources.Apply({ manifests: greeter }, cb));
      // The survivor's controllers render the binding's Release; the agent connected to it writes the Deployment.
      // Read until written in full: the agent's file may be there before its content.
      const deployment = await waitFor("the greeter Deployment written by the agent", 60_000, () =>
        filesUnder(path.join(dir, "plane"))
          .filter((f) => f.includes(`${path.sep}Deployment${path.sep}`) && f.includes("greeter"))
          .map((f) => readFileSync(f, "utf8"))
          .find((text) => text.length > 0),
      );
      expect(deployment).toContain("ghcr.io/openchoreo/samples/greeter-service:latest");
    } finally {
      planes.close();
      resources.close();
    }
  }, 90_000);

  it("answers a component's logs and live tree through a replica its plane's agent is not connected to", async () => {
    const survivor = replicas.find((r) => r.server.child.exitCode === null && r.server.child.signalCode === null)!;
    // A new replica holds no agent session: without forwarding it could only answer unavailable.
    const other = await start("c");
    const components = new api.ComponentService(`127.0.0.1:${other.port}`, grpc.credentials.createInsecure(), { interceptors: [grpcJsBearer(survivor.token!)] });
    const where = { namespace: "default", name: "greeter", environment: "development" };
    try {
      const lines = await waitFor("the greeter's simulated log lines through the replica without the agent", 60_000, async () => {
        const read: { pod: string; text: string }[] = [];
        for await (const batch of components.StreamComponentLogs({ ...where, tailLines: 5 }) as AsyncIterable<{ lines: { pod: string; text: string }[] }>) read.push(...batch.lines);
        return read.length > 0 ? read : undefined;
      });
      expect(lines.every((line) => line.pod.startsWith("greeter") && line.text.startsWith("[simulated]"))).toBe(true);
      const { nodes } = await call<{ nodes: { kind: string; name: string; simulated: boolean }[] }>((cb) => components.GetResourceTree(where, cb));
      expect(nodes.map((n) => n.kind)).toEqual(expect.arrayContaining(["Deployment", "ReplicaSet", "Pod"]));
    } finally {
      components.close();
    }
  }, 120_000);
});
