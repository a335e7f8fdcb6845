// Registration, rotation and revocation over the real server, and what they do to agents' streams.
import { Code } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlaneCredentialSchema } from "../../gen/openchoreo/model/v1alpha1/plane_credential_pb.js";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { hashToken } from "../../src/planes/index.js";
import { eventually } from "../controllers/harness.js";
import { connectAgent } from "./support/fake-agent.js";
import { startPlaneHarness, type PlaneHarness } from "./support/plane-harness.js";
import { codeOf as failureOf } from "../support/code-of.js";

let h: PlaneHarness;
beforeAll(async () => {
  h = await startPlaneHarness();
  for (const name of ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"]) await h.createDataPlane(name);
});
afterAll(async () => h?.stop());

const hello = (name: string, kind = "DataPlane") => ({ planeName: name, planeKind: kind, agentVersion: "test", driver: "local" });

const codeOf = async (call: Promise<unknown>): Promise<Code> => (await failureOf(call)).code;

describe("plane registration", () => {
  it("issues a token once, keeps only its hash, and says how to start the agent", async () => {
    const response = await h.dataPlanes.registerDataPlane({ namespace: "default", name: "alpha" });
    expect(response.credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.credentialName).toBe("dataplane-alpha-agent");
    expect(response.agentCommand).toBe(
      `npm run agent -- --plane alpha --plane-kind DataPlane --credential-file .choreo-agents/default-dataplane-alpha.token --server ${h.url} --driver local --dir .choreo-agents/default-dataplane-alpha`,
    );
    const stored = await h.plane.store.get(PlaneCredentialSchema, { namespace: "default", name: "dataplane-alpha-agent" });
    expect(stored.spec).toMatchObject({ planeKind: "DataPlane", planeName: "alpha", tokenSha256: hashToken(response.credential) });
    expect(JSON.stringify(h.plane.codec.encode(stored))).not.toContain(response.credential);
  });

  it("answers NotFound for a plane that does not exist, InvalidArgument without a name", async () => {
    expect(await codeOf(h.dataPlanes.registerDataPlane({ namespace: "default", name: "nowhere" }))).toBe(Code.NotFound);
    expect(await codeOf(h.dataPlanes.registerDataPlane({ namespace: "default", name: "" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(h.buildPlanes.registerBuildPlane({ namespace: "default", name: "alpha" }))).toBe(Code.NotFound);
    expect(await codeOf(h.dataPlanes.rotateDataPlaneCredential({ namespace: "default", name: "alpha", gracePeriodSeconds: -1 }))).toBe(Code.InvalidArgument);
  });

  it("registering a plane that has a credential fails AlreadyExists and leaves its agent connected; replace keeps the old token for the grace period", async () => {
    const first = await h.register("DataPlane", "beta");
    const agent = connectAgent(h.url, first, hello("beta"));
    await agent.waitFor("welcome");
    const stored = () => h.plane.store.get(PlaneCredentialSchema, { namespace: "default", name: "dataplane-beta-agent" });
    const before = (await stored()).spec;
    const hijack = await failureOf(h.dataPlanes.registerDataPlane({ namespace: "default", name: "beta" }));
    expect(hijack.code).toBe(Code.AlreadyExists);
    expect(hijack.message).toMatch(/already has a credential.*replace/);
    expect((await stored()).spec).toEqual(before);
    // Still connected: a heartbeat after the refusal.
    await agent.waitFor("heartbeat", { from: agent.received.length });

    const replaced = await h.dataPlanes.registerDataPlane({ namespace: "default", name: "beta", replace: true, gracePeriodSeconds: 1 });
    expect((await stored()).spec).toMatchObject({ tokenSha256: hashToken(replaced.credential), previousTokenSha256: hashToken(first) });
    const during = agent.received.length;
    await agent.waitFor("heartbeat", { from: during });
    expect((await agent.ended).code).toBe(Code.Unauthenticated);
    expect((await connectAgent(h.url, first, hello("beta")).ended).code).toBe(Code.Unauthenticated);
    const current = connectAgent(h.url, replaced.credential, hello("beta"));
    await current.waitFor("welcome");
    current.close();
    await current.ended;
  });

  it("a revoked plane registers again without replace", async () => {
    await h.register("DataPlane", "eta");
    await h.dataPlanes.revokeDataPlaneCredential({ namespace: "default", name: "eta" });
    const again = await h.dataPlanes.registerDataPlane({ namespace: "default", name: "eta" });
    const stored = await h.plane.store.get(PlaneCredentialSchema, { namespace: "default", name: "dataplane-eta-agent" });
    expect(stored.spec).toMatchObject({ tokenSha256: hashToken(again.credential), revoked: false });
    expect(stored.spec?.previousTokenSha256 ?? "").toBe("");
  });
});

describe("last use", () => {
  it("records when a session opened with the credential, not every heartbeat", async () => {
    const token = await h.register("DataPlane", "zeta");
    const credential = () => h.plane.store.get(PlaneCredentialSchema, { namespace: "default", name: "dataplane-zeta-agent" });
    expect((await credential()).status?.lastUsedTime).toBeUndefined();
    const before = Date.now();
    const first = connectAgent(h.url, token, hello("zeta"));
    await first.waitFor("welcome");
    const used = await eventually(async () => (await credential()).status?.lastUsedTime, "lastUsedTime recorded");
    expect(timestampMs(used)).toBeGreaterThanOrEqual(before - 1000);

    // Heartbeats reach the plane's status; the credential's last use stays that of the session.
    const plane = async () => (await h.plane.store.get(DataPlaneSchema, { namespace: "default", name: "zeta" })).status?.agent;
    const connected = timestampMs((await plane())!.connectedTime!);
    await eventually(async () => timestampMs((await plane())!.lastHeartbeatTime!) > connected, "a heartbeat written", 5000);
    expect((await credential()).status?.lastUsedTime).toEqual(used);
    first.close();
    await first.ended;

    const second = connectAgent(h.url, token, hello("zeta"));
    await second.waitFor("welcome");
    await eventually(async () => timestampMs((await credential()).status!.lastUsedTime!) > timestampMs(used), "the next session recorded");
    second.close();
    await second.ended;
  });
});

describe("authentication", () => {
  it("refuses a missing or wrong token with Unauthenticated", async () => {
    expect((await connectAgent(h.url, undefined, hello("alpha")).ended).code).toBe(Code.Unauthenticated);
    expect((await connectAgent(h.url, "not-a-token", hello("alpha")).ended).code).toBe(Code.Unauthenticated);
  });

  it("refuses a Hello that names another plane with PermissionDenied, and one that is not first with InvalidArgument", async () => {
    const token = await h.register("DataPlane", "gamma");
    expect((await connectAgent(h.url, token, hello("alpha")).ended).code).toBe(Code.PermissionDenied);
    expect((await connectAgent(h.url, token, hello("gamma", "BuildPlane")).ended).code).toBe(Code.PermissionDenied);
    const noHello = connectAgent(h.url, token, undefined);
    noHello.send({ case: "heartbeat", value: {} });
    expect((await noHello.ended).code).toBe(Code.InvalidArgument);
  });

  it("ends the open stream of a revoked credential within seconds, refuses it afterwards, and records why", async () => {
    const token = await h.register("DataPlane", "delta");
    const agent = connectAgent(h.url, token, hello("delta"));
    const welcome = await agent.waitFor("welcome");
    const status = async () => (await h.plane.store.get(DataPlaneSchema, { namespace: "default", name: "delta" })).status?.agent;
    expect(await status()).toMatchObject({ connected: true, sessionId: welcome.sessionId, agentVersion: "test", driver: "local" });
    await h.dataPlanes.revokeDataPlaneCredential({ namespace: "default", name: "delta" });
    const started = Date.now();
    expect((await agent.ended).code).toBe(Code.Unauthenticated);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await connectAgent(h.url, token, hello("delta")).ended).code).toBe(Code.Unauthenticated);
    await eventually(async () => (await status())?.connected === false, "the plane marked disconnected");
    expect((await status())?.disconnectReason).toBe("credential revoked");
  });

  it("rotation keeps the previous token for the grace period, then ends its stream", async () => {
    const old = await h.register("DataPlane", "epsilon");
    const agent = connectAgent(h.url, old, hello("epsilon"));
    await agent.waitFor("welcome");
    const defaulted = await h.dataPlanes.rotateDataPlaneCredential({ namespace: "default", name: "epsilon" });
    expect(timestampMs(defaulted.previousExpiresAt!) - Date.now()).toBeGreaterThan(290_000);
    // The stream is not dropped by the rotation itself.
    const during = agent.received.length;
    await agent.waitFor("heartbeat", { from: during });
    // Rotating again with a short grace leaves the first rotation's token valid for one second.
    const rotated = await h.dataPlanes.rotateDataPlaneCredential({ namespace: "default", name: "epsilon", gracePeriodSeconds: 1 });
    const withPrevious = connectAgent(h.url, defaulted.credential, hello("epsilon"));
    await withPrevious.waitFor("welcome");
    expect((await agent.ended).code).toBe(Code.Unauthenticated);
    expect((await withPrevious.ended).code).toBe(Code.Unauthenticated);
    expect(Date.now()).toBeGreaterThanOrEqual(timestampMs(rotated.previousExpiresAt!));
    const current = connectAgent(h.url, rotated.credential, hello("epsilon"));
    await current.waitFor("welcome");
    current.close();
    await current.ended;
  });
});
