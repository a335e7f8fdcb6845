import { Code, ConnectError } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { afterEach, describe, expect, it } from "vitest";
import type { Promotion } from "../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import type { FakeClock } from "../../src/core/index.js";
import type { JsonObject } from "../../src/model/index.js";
import { condition, eventually } from "../controllers/harness.js";
import { createFakeClock, pipelineWithApproval, serviceComponent, startPromotionPlatform, type PromotionPlatform } from "./support/promotion-platform.js";

let platform: PromotionPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const hour = 3_600_000;
const specOf = (o: JsonObject | undefined) => (o?.spec ?? {}) as Record<string, unknown>;
const labelOf = (release: { metadata?: { labels: Record<string, string> } }, key: string) => release.metadata?.labels[`openchoreo.dev/${key}`];

async function bindingsIn(p: PromotionPlatform, environment: string): Promise<string[]> {
  return (await p.list("ServiceBinding")).filter((b) => specOf(b).environment === environment).map((b) => String((specOf(b).owner as JsonObject).componentName)).sort();
}

async function readyIn(p: PromotionPlatform, component: string, environment: string, tick?: FakeClock): Promise<void> {
  await eventually(async () => {
    tick?.advance(100);
    const binding = (await p.list("ServiceBinding")).find((b) => specOf(b).environment === environment && (specOf(b).owner as JsonObject).componentName === component);
    return condition(binding, "Ready")?.status === "True";
  }, `${component} Ready in ${environment}`);
}

async function phases(p: PromotionPlatform, promotions: readonly Promotion[], wanted: Record<string, string>, tick?: FakeClock): Promise<Map<string, Promotion>> {
  const client = p.promotions();
  return eventually(async () => {
    tick?.advance(100);
    const now = new Map<string, Promotion>();
    for (const { metadata } of promotions) {
      const { promotion } = await client.getPromotion({ name: metadata!.name });
      now.set(promotion!.spec!.owner!.componentName!, promotion!);
    }
    return Object.entries(wanted).every(([component, phase]) => now.get(component)?.status?.phase === phase) && now;
  }, `phases ${JSON.stringify(wanted)}`);
}

const readyReason = (p: Promotion | undefined) => p?.status?.conditions.find((c) => c.type === "Ready")?.reason;

describe("project promotion", () => {
  it("promotes none when one component fails its checks", async () => {
    // beta's development objects are Degraded: its binding there is not Ready, so it cannot be promoted.
    platform = await startPromotionPlatform({ fakePlane: { health: (_object, release) => (labelOf(release, "component") === "beta" && labelOf(release, "environment") === "development" ? "Degraded" : "Healthy") } });
    await platform.apply(serviceComponent("alpha", "ghcr.io/acme/alpha:1.0.0") + "---\n" + serviceComponent("beta", "ghcr.io/acme/beta:1.0.0"));
    await readyIn(platform, "alpha", "development");
    const { promotions } = await platform.promotions("dave").promoteProject({ projectName: "default", sourceEnvironment: "development", targetEnvironment: "staging" });
    expect(promotions.map((p) => p.spec?.owner?.componentName).sort()).toEqual(["alpha", "beta"]);
    expect(new Set(promotions.map((p) => p.spec?.group)).size).toBe(1);

    const ended = await phases(platform, promotions, { alpha: "Failed", beta: "Failed" });
    expect(readyReason(ended.get("beta"))).toBe("SourceNotReady");
    expect(readyReason(ended.get("alpha"))).toBe("GroupFailed");
    expect(ended.get("alpha")?.status?.conditions.find((c) => c.type === "Ready")?.message).toMatch(/component "beta" .* ended Failed; nothing was moved/);
    expect(await bindingsIn(platform, "staging")).toEqual([]);

    const { entries } = await platform.promotions().listHistory({ componentName: "alpha", environment: "staging" });
    expect(entries.map((e) => [e.action, e.result])).toEqual([["Promotion", "Failed"]]);
  });

  it("refuses a path the pipeline does not have before creating anything", async () => {
    platform = await startPromotionPlatform();
    await platform.apply(serviceComponent("alpha", "ghcr.io/acme/alpha:1.0.0"));
    await readyIn(platform, "alpha", "development");
    const err = await platform.promotions("dave").promoteProject({ projectName: "default", sourceEnvironment: "development", targetEnvironment: "production" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.FailedPrecondition);
    expect(await platform.list("Promotion")).toEqual([]);
  });
});

describe("deadlines (fake clock)", () => {
  it("expires a promotion that waited too long for its approval", async () => {
    const clock = createFakeClock();
    platform = await startPromotionPlatform({ fakeClock: clock, ttlMs: 2 * hour });
    await platform.apply(pipelineWithApproval);
    await platform.apply(serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
    await readyIn(platform, "greeter", "development", clock);
    const toStaging = await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" });
    await phases(platform, [toStaging.promotion!], { greeter: "Succeeded" }, clock);
    const { promotion } = await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "staging", targetEnvironment: "production" });
    const waiting = (await phases(platform, [promotion!], { greeter: "AwaitingApproval" })).get("greeter")!;
    expect(timestampMs(waiting.status!.expirationTime!) - timestampMs(waiting.metadata!.creationTimestamp!)).toBe(2 * hour);

    clock.advance(2 * hour);
    const expired = (await phases(platform, [promotion!], { greeter: "Expired" }, clock)).get("greeter")!;
    expect(expired.status?.conditions.find((c) => c.type === "Failed")).toMatchObject({ status: "True", reason: "Expired" });
    const late = await platform.promotions("carol").approve({ name: promotion!.metadata!.name }).catch((e: unknown) => ConnectError.from(e));
    expect((late as ConnectError).code).toBe(Code.FailedPrecondition);
    expect(await bindingsIn(platform, "production")).toEqual([]);
  });

  it("moves back the components already promoted when a later one fails midway", async () => {
    const clock = createFakeClock();
    // beta's staging objects stay Progressing: alpha has succeeded, beta has moved, gamma waits its turn.
    let holdBeta = true;
    platform = await startPromotionPlatform({
      fakeClock: clock,
      ttlMs: hour,
      fakePlane: { health: (_object, release) => (holdBeta && labelOf(release, "component") === "beta" && labelOf(release, "environment") === "staging" ? "Progressing" : "Healthy") },
    });
    const names = ["alpha", "beta", "gamma"];
    await platform.apply(names.map((n) => serviceComponent(n, `ghcr.io/acme/${n}:1.0.0`)).join("---\n"));
    for (const name of names) await readyIn(platform, name, "development", clock);
    const { promotions } = await platform.promotions("dave").promoteProject({ projectName: "default", sourceEnvironment: "development", targetEnvironment: "staging" });
    const midway = await phases(platform, promotions, { alpha: "Succeeded", beta: "Promoting", gamma: "Pending" }, clock);
    expect(readyReason(midway.get("gamma"))).toBe("WaitingForGroup");
    expect(await bindingsIn(platform, "staging")).toEqual(["alpha", "beta"]);

    // gamma's deadline passes while it waits: the group fails after alpha and beta moved.
    clock.advance(hour);
    holdBeta = false;
    const ended = await phases(platform, promotions, { alpha: "Failed", beta: "Failed", gamma: "Expired" }, clock);
    for (const name of ["alpha", "beta"]) {
      expect(readyReason(ended.get(name))).toBe("GroupFailed");
      expect(ended.get(name)?.status?.conditions.find((c) => c.type === "Ready")?.message).toMatch(/component "gamma" .* ended Expired; moved environment "staging" back to no deployment/);
    }
    await eventually(async () => (await bindingsIn(platform!, "staging")).length === 0, "staging back to what it was");
  });
});
