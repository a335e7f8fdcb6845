import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
import type { JsonObject } from "../model/json.js";
import { ackOf, assembleLog, buildWorkflow, desiredRelease, eofOf, logsOf, namespace, releaseObject, statusJson, statusOf } from "./agent-fixtures.js";
import { createLocalDriver } from "./local-driver.js";
import { createPlaneAgent } from "./plane-agent.js";
import { startScriptedControlPlane, type ScriptedControlPlane, type ScriptedSession } from "./scripted-control-plane.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { stepDelayMs: number; maxMessageBytes?: number }): Promise<{ cp: ScriptedControlPlane }> {
  const dir = mkdtempSync(join(tmpdir(), "agent-builds-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const cp = await startScriptedControlPlane({
    welcome: { sessionId: "b", heartbeatIntervalSeconds: 30, maxInFlight: 8, maxMessageBytes: options.maxMessageBytes ?? 1 << 20 },
  });
  cleanups.push(() => cp.close());
  const { logger } = captureLogger();
  const agent = createPlaneAgent({
    server: cp.url,
    planeName: "default",
    planeKind: "BuildPlane",
    agentVersion: "9.9.9",
    credential: async () => "token-b",
    driver: createLocalDriver({ dir, simulate: true, readyDelayMs: options.stepDelayMs, logger }),
    logger,
    reconnect: { initialMs: 100, maxMs: 200, random: () => 0.5 },
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  return { cp };
}

/** The n-th stream once its Hello arrived, so the Welcome goes out before anything the test sends. */
async function welcomed(cp: ScriptedControlPlane, index: number): Promise<ScriptedSession> {
  const session = await cp.session(index);
  await session.waitFor("hello", (m) => (m.message.case === "hello" ? m.message.value : undefined));
  return session;
}

function sendBuild(session: ScriptedSession, generation: number, workflow: JsonObject): void {
  const objects = [namespace("openchoreo-ci-acme"), workflow].map(releaseObject);
  session.send({ case: "release", value: desiredRelease({ releaseId: "acme/build-b1", generation, objects, progressingInterval: "1h", interval: "1h" }) });
}

describe("plane agent running builds", () => {
  it("runs a Workflow of a Release, reports its steps and outputs, and streams its log with contiguous offsets, split under the message limit, ending with eof", async () => {
    const { cp } = await setup({ stepDelayMs: 20, maxMessageBytes: 2048 });
    const session = await welcomed(cp, 0);
    const longRepo = `https://git.example.com/${"deep/".repeat(300)}shop`;
    sendBuild(session, 1, buildWorkflow({ organization: "acme", build: "b1", gitRepo: longRepo }));
    await session.waitFor("ack", ackOf("acme/build-b1", 1));
    const done = await session.waitFor("the Workflow Healthy", statusOf("Workflow", "b1", "Healthy"));
    const status = statusJson(done);
    expect(status).toMatchObject({ phase: "Succeeded", reason: "Simulated", startedAt: expect.any(String), finishedAt: expect.any(String) });
    const nodes = status.nodes as JsonObject[];
    expect(nodes.map((n) => n.name)).toEqual(["clone-step", "build-step", "push-step", "workload-create-step"]);
    const commit = (nodes[0]!.outputs as JsonObject)["git-revision"];
    expect(nodes[2]!.outputs).toEqual({ image: `registry.localhost/shop-api:${String(commit)}` });
    expect(session.received.some((m) => statusOf("Workflow", "b1", "Progressing")(m))).toBe(true);

    await session.waitFor("the last log chunk", eofOf);
    const chunks = logsOf(session);
    let offset = 0;
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ buildId: "acme/b1", offset });
      // 2048-byte messages leave 1024 bytes for data after the envelope's headroom.
      expect(chunk.data.length, JSON.stringify(chunks.map((c) => [c.offset, c.step, c.data.length]))).toBeLessThanOrEqual(1024);
      offset += chunk.data.length;
    }
    expect(chunks.filter((c) => c.eof)).toEqual([chunks.at(-1)]);
    const { text } = assembleLog(chunks);
    expect(text).toContain(`[Simulated] cloning ${longRepo} at main\n`);
    expect(chunks.filter((c) => c.step === "clone-step").length).toBeGreaterThan(2);
    for (const line of text.trimEnd().split("\n")) expect(line).toMatch(/^\[Simulated\] /);
  });

  it("terminates a build whose Workflow gets spec.shutdown: Degraded, terminated at the current step, its log ended", async () => {
    const { cp } = await setup({ stepDelayMs: 60_000 });
    const session = await welcomed(cp, 0);
    sendBuild(session, 1, buildWorkflow({ organization: "acme", build: "b1" }));
    await session.waitFor("Progressing", statusOf("Workflow", "b1", "Progressing"));
    sendBuild(session, 2, buildWorkflow({ organization: "acme", build: "b1", shutdown: true }));
    const stopped = await session.waitFor("Degraded", statusOf("Workflow", "b1", "Degraded"));
    expect(stopped.message).toBe("terminated");
    expect(statusJson(stopped)).toMatchObject({ phase: "Failed", message: "terminated", nodes: [{ name: "clone-step", phase: "Failed" }] });
    const eof = await session.waitFor("the last log chunk", eofOf);
    expect(eof.step).toBe("clone-step");
    expect(assembleLog(logsOf(session)).text).toMatch(/\[Simulated\] terminated during clone-step\n$/);
  });

  it("after a reconnect mid-build resends the log from offset 0: no byte lost, repeated bytes identical for the control plane to drop", async () => {
    const { cp } = await setup({ stepDelayMs: 150 });
    const first = await welcomed(cp, 0);
    sendBuild(first, 1, buildWorkflow({ organization: "acme", build: "b1" }));
    await first.waitFor("the first log chunk", (m) => (m.message.case === "log" ? m.message.value : undefined));
    first.end();

    const second = await cp.session(1);
    await second.waitFor("the last log chunk", eofOf);
    const resent = logsOf(second);
    expect(resent[0]).toMatchObject({ buildId: "acme/b1", offset: 0 });
    const { text, repeatedBytes } = assembleLog([...logsOf(first), ...resent]);
    expect(repeatedBytes).toBeGreaterThan(0);
    // Every line of every step, each once, in order.
    expect(text.trimEnd().split("\n").map((line) => line.split(" ")[1])).toEqual(["cloning", "checked", "building", "built", "pushing", "pushed", "reading", "workload"]);
    // The status catches up too: the new session hears the Workflow's current state.
    await second.waitFor("Healthy", statusOf("Workflow", "b1", "Healthy"));
  });
});
