import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ackOf, assembleLog, buildWorkflow, desiredRelease, eofOf, logsOf, namespace, outcomes, releaseObject, service, statusJson, statusOf } from "./agent-fixtures.js";
import { startScriptedControlPlane } from "./scripted-control-plane.js";

const repo = resolve(import.meta.dirname, "../..");
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function runAgent(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/agent/main.ts", ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return { child, stderr: () => stderr, exited };
}

describe("agent process", () => {
  it("runs as a child process: says hello with its credential, applies and acks, reports health, and exits 0 on SIGTERM", async () => {
    const cp = await startScriptedControlPlane();
    cleanups.push(() => cp.close());
    const dir = mkdtempSync(join(tmpdir(), "agent-process-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "credential"), "plane-token-7\n");
    const { child, stderr, exited } = runAgent([
      "--plane", "default",
      "--plane-kind", "DataPlane",
      "--credential-file", join(dir, "credential"),
      "--server", cp.url,
      "--driver", "local",
      "--dir", join(dir, "plane"),
      "--namespace-prefix", "shop-",
    ]);

    const session = await cp.session(0, 30_000);
    const hello = await session.waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
    expect(session.authorization).toBe("Bearer plane-token-7");
    expect(hello).toMatchObject({ planeName: "default", planeKind: "DataPlane", driver: "local", agentVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    // --namespace-prefix replaces the data plane's default (dp-): shop-dev is the agent's, dp-x is not.
    const objects = [service("shop-dev", "svc"), service("dp-x", "outside")].map(releaseObject);
    session.send({ case: "release", value: desiredRelease({ releaseId: "org/p", generation: 1, objects }) });
    const ack = await session.waitFor("ack", ackOf("org/p", 1));
    expect(outcomes(ack)).toEqual(["Service/outside=Refused", "Service/svc=Applied"]);
    expect(ack.results.find((r) => r.outcome === "Refused")?.message).toContain("dp-x is not a namespace of this DataPlane (the agent writes only into namespaces starting with shop-)");
    await session.waitFor("status", statusOf("Service", "svc", "Healthy"));
    expect(existsSync(join(dir, "plane/objects/shop-dev/v1/Service/svc.yaml"))).toBe(true);
    expect(existsSync(join(dir, "plane/objects/dp-x"))).toBe(false);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    await session.closed;
    const logs = stderr().trim().split("\n").map((line) => JSON.parse(line) as { msg: string });
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["agent started", "connected to the control plane", "stopping", "stopped"]));
  });

  it("killed with SIGKILL in the middle of an apply, leaves after a restart and a resync exactly the desired objects", async () => {
    const cp = await startScriptedControlPlane();
    cleanups.push(() => cp.close());
    const dir = mkdtempSync(join(tmpdir(), "agent-crash-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "credential"), "t");
    const args = ["--plane", "default", "--credential-file", join(dir, "credential"), "--server", cp.url, "--dir", join(dir, "plane")];
    const objectsDir = join(dir, "plane/objects/dp-crash/v1/Service");
    const names = Array.from({ length: 300 }, (_, i) => `svc-${i}`);
    const release = desiredRelease({ releaseId: "org/crash", generation: 1, objects: names.map((n) => releaseObject(service("dp-crash", n))) });

    const first = runAgent(args);
    const session = await cp.session(0, 30_000);
    await session.waitFor("hello", (m) => m.message.case === "hello" || undefined);
    session.send({ case: "release", value: release });
    // Killed once the first object is on disk: the apply has started and its inventory is not written.
    await waitUntil("the first object file", () => existsSync(objectsDir) && readdirSync(objectsDir).some((f) => f.endsWith(".yaml")));
    first.child.kill("SIGKILL");
    await first.exited;
    expect(session.received.some(ackOf("org/crash", 1))).toBe(false);

    const second = runAgent(args);
    const resync = await cp.session(1, 30_000);
    const hello = await resync.waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
    expect(second.stderr()).toContain("removed an object no inventory holds");
    // Nothing was recorded, so nothing may be left: what the hello does not name is not on disk.
    const held = hello.inventory.flatMap((r) => r.objects.map((o) => `${o.ref?.name}.yaml`)).sort();
    expect((existsSync(objectsDir) ? readdirSync(objectsDir) : []).sort()).toEqual(held);
    resync.send({ case: "release", value: release });
    const ack = await resync.waitFor("ack after resync", ackOf("org/crash", 1));
    expect(ack.results.filter((r) => r.outcome === "Failed")).toEqual([]);
    expect(readdirSync(objectsDir).sort()).toEqual(names.map((n) => `${n}.yaml`).sort());
  });

  it("killed with SIGKILL mid-build, resumes the same build after a restart: the log complete, each step run once", async () => {
    const cp = await startScriptedControlPlane();
    cleanups.push(() => cp.close());
    const dir = mkdtempSync(join(tmpdir(), "agent-build-crash-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "credential"), "t");
    const args = ["--plane", "default", "--plane-kind", "BuildPlane", "--credential-file", join(dir, "credential"), "--server", cp.url, "--dir", join(dir, "plane"), "--simulate-delay", "300ms"];
    const objects = [namespace("openchoreo-ci-acme"), buildWorkflow({ organization: "acme", build: "b1" })].map(releaseObject);

    const first = runAgent(args);
    const session = await cp.session(0, 30_000);
    await session.waitFor("hello", (m) => m.message.case === "hello" || undefined);
    session.send({ case: "release", value: desiredRelease({ releaseId: "acme/build-b1", generation: 1, objects }) });
    await session.waitFor("the build step's log", (m) => (m.message.case === "log" && m.message.value.step === "build-step") || undefined, 30_000);
    first.child.kill("SIGKILL");
    await first.exited;

    runAgent(args);
    const resync = await cp.session(1, 30_000);
    const hello = await resync.waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
    expect(hello.inventory.map((r) => r.releaseId)).toEqual(["acme/build-b1"]);
    await resync.waitFor("the last log chunk", eofOf, 30_000);
    const done = await resync.waitFor("the Workflow Healthy", statusOf("Workflow", "b1", "Healthy"));
    expect((statusJson(done).nodes as { phase: string }[]).map((n) => n.phase)).toEqual(["Succeeded", "Succeeded", "Succeeded", "Succeeded"]);
    expect(logsOf(resync)[0]).toMatchObject({ buildId: "acme/b1", offset: 0 });
    const { text } = assembleLog([...logsOf(session), ...logsOf(resync)]);
    expect(text.trimEnd().split("\n").map((line) => line.split(" ")[1])).toEqual(["cloning", "checked", "building", "built", "pushing", "pushed", "reading", "workload"]);
  });

  it("exits 2 with a usage message naming the flag when the command line is wrong", async () => {
    const { stderr, exited } = runAgent(["--plane", "default", "--server", "http://127.0.0.1:1", "--credential-file", "x", "--dir", "d", "--plane-kind", "Cluster"]);
    expect(await exited).toBe(2);
    expect(stderr()).toContain("--plane-kind: Cluster is neither DataPlane nor BuildPlane");
    expect(stderr()).toContain("usage: npm run agent");
  });

  it("exits 2 when the credential file cannot be read", async () => {
    const { stderr, exited } = runAgent(["--plane", "default", "--server", "http://127.0.0.1:1", "--credential-file", "/nonexistent/credential", "--dir", "d"]);
    expect(await exited).toBe(2);
    expect(stderr()).toContain("--credential-file: ENOENT");
  });
});

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
