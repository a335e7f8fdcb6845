import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Promotion } from "../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import type { JsonObject } from "../../src/model/index.js";
import { condition, eventually } from "../controllers/harness.js";
import { newBuild, pipelineWithApproval, serviceComponent, startPromotionPlatform, type PromotionPlatform } from "./support/promotion-platform.js";
import { codeOf } from "../support/code-of.js";
import { signIn, startTestProvider } from "../support/oidc-test-provider.js";
import { createOidcAuthenticator } from "../../src/auth/oidc-authenticator.js";

let platform: PromotionPlatform;
beforeEach(async () => {
  platform = await startPromotionPlatform();
});
afterEach(async () => platform.stop());

const specOf = (o: JsonObject | undefined) => (o?.spec ?? {}) as Record<string, unknown>;

/** The component's binding in an environment, once it is Ready. */
async function readyBinding(component: string, environment: string, artifact?: string): Promise<JsonObject> {
  return eventually(async () => {
    const binding = (await platform.list("ServiceBinding")).find((b) => specOf(b).environment === environment && (specOf(b).owner as JsonObject).componentName === component);
    return condition(binding, "Ready")?.status === "True" && (!artifact || specOf(binding).artifactName === artifact) && binding;
  }, `${component} Ready in ${environment}${artifact ? ` at ${artifact}` : ""}`);
}

async function bindingIn(component: string, environment: string): Promise<JsonObject | undefined> {
  return (await platform.list("ServiceBinding")).find((b) => specOf(b).environment === environment && (specOf(b).owner as JsonObject).componentName === component);
}

/** The objects of the component's Release in an environment, as JSON text: what its plane receives. */
async function releaseText(component: string, environment: string): Promise<string> {
  const [release] = await platform.list("Release", `openchoreo.dev/component=${component},openchoreo.dev/environment=${environment}`);
  return JSON.stringify(specOf(release).resources);
}

async function phaseOf(name: string, phase: string): Promise<Promotion> {
  const client = platform.promotions();
  return eventually(async () => {
    const { promotion } = await client.getPromotion({ name });
    return promotion?.status?.phase === phase && promotion;
  }, `promotion ${name} ${phase}`);
}

/**
 * The Deployment's pod spec in a Release, as JSON text: what runs (images, env, ports, probes,
 * resources), which holds nothing environment-specific, so it compares byte for byte across them.
 */
function containersOf(resourcesText: string): string {
  const resources = JSON.parse(resourcesText) as { object: JsonObject }[];
  const deployment = resources.find((r) => r.object.kind === "Deployment")!.object;
  return JSON.stringify(((deployment.spec as JsonObject).template as { spec: unknown }).spec);
}

describe("promotion along the pipeline", () => {
  it("moves the tested artifact to an allowed target, keeping the target's own settings", async () => {
    await platform.apply(serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
    const dev = await readyBinding("greeter", "development");
    const { promotion } = await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging", reason: "ready for QA" });
    expect(promotion?.spec?.requestedBy).toBe("token:dave");
    const done = await phaseOf(promotion!.metadata!.name, "Succeeded");
    expect(done.status?.artifactName).toBe(specOf(dev).artifactName);
    expect(done.status?.image).toBe("ghcr.io/acme/greeter:1.0.0");
    const staging = await readyBinding("greeter", "staging", String(specOf(dev).artifactName));
    expect(containersOf(await releaseText("greeter", "staging"))).toBe(containersOf(await releaseText("greeter", "development")));

    // A second promotion keeps what the target's users set (releaseState) while moving the artifact.
    await platform.apply(JSON.stringify({ apiVersion: "openchoreo.dev/v1alpha1", kind: "ServiceBinding", metadata: { name: (staging.metadata as JsonObject).name }, spec: { ...specOf(staging), releaseState: "Suspend" } }));
    await platform.apply(newBuild("greeter", "ghcr.io/acme/greeter:1.1.0"));
    const dev2 = await eventually(async () => {
      const b = await readyBinding("greeter", "development");
      return specOf(b).artifactName !== specOf(dev).artifactName && b;
    }, "the new build in development");
    const second = await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" });
    await phaseOf(second.promotion!.metadata!.name, "Succeeded");
    const moved = await bindingIn("greeter", "staging");
    expect(specOf(moved).artifactName).toBe(specOf(dev2).artifactName);
    expect(specOf(moved).releaseState).toBe("Suspend");
  });

  it("refuses a path the pipeline does not have, naming the allowed targets, at once and in the controller", async () => {
    await platform.apply(serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
    await readyBinding("greeter", "development");
    const refused = await codeOf(platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "production" }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.message).toBe('DeploymentPipeline "default" has no path from "development" to "production"; allowed targets from "development": staging');
    expect(await platform.list("Promotion")).toEqual([]);

    // Written past the service (ResourceService, kubectl-style apply), the controller refuses it the same way.
    await platform.apply(`apiVersion: openchoreo.dev/v1alpha1
kind: Promotion
metadata:
  name: sneaky
spec:
  owner: {projectName: default, componentName: greeter}
  sourceEnvironment: development
  targetEnvironment: production
`);
    const failed = await phaseOf("sneaky", "Failed");
    expect(failed.status?.conditions.find((c) => c.type === "Failed")).toMatchObject({ status: "True", reason: "PathNotAllowed", message: expect.stringContaining("allowed targets from \"development\": staging") });
    expect(await bindingIn("greeter", "production")).toBeUndefined();

    // Nor can a promotion written past the service name an artifact its source does not run.
    await platform.apply(`apiVersion: openchoreo.dev/v1alpha1
kind: Promotion
metadata:
  name: untested
spec:
  owner: {projectName: default, componentName: greeter}
  sourceEnvironment: development
  targetEnvironment: staging
  artifactName: greeter-00000000
`);
    const untested = await phaseOf("untested", "Failed");
    expect(untested.status?.conditions.find((c) => c.type === "Failed")?.reason).toBe("ArtifactNotInSource");
    expect(await bindingIn("greeter", "staging")).toBeUndefined();
  });

  it("answers InvalidArgument naming missing fields, and writes nothing", async () => {
    const bad = await codeOf(platform.promotions("dave").promote({ componentName: "greeter" }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.message).toBe("source_environment: required; target_environment: required");
    expect(await platform.list("Promotion")).toEqual([]);
  });
});

describe("approvals", () => {
  async function awaitingProduction(): Promise<{ name: string; stagingArtifact: string }> {
    await platform.apply(pipelineWithApproval);
    await platform.apply(serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
    await readyBinding("greeter", "development");
    const toStaging = await platform.promotions("alice").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" });
    await phaseOf(toStaging.promotion!.metadata!.name, "Succeeded");
    const staging = await readyBinding("greeter", "staging");
    const { promotion } = await platform.promotions("alice").promote({ componentName: "greeter", sourceEnvironment: "staging", targetEnvironment: "production" });
    const name = promotion!.metadata!.name;
    await phaseOf(name, "AwaitingApproval");
    return { name, stagingArtifact: String(specOf(staging).artifactName) };
  }

  it("waits for an approver other than the requester; the requester, a viewer and an anonymous caller are refused", async () => {
    const { name, stagingArtifact } = await awaitingProduction();
    expect(await bindingIn("greeter", "production")).toBeUndefined();

    const self = await codeOf(platform.promotions("alice").approve({ name }));
    expect(self).toEqual({ code: Code.PermissionDenied, message: '"token:alice" requested this promotion and cannot decide on it: another principal with the approver role must' });
    const viewer = await codeOf(platform.promotions("victor").approve({ name }));
    expect(viewer).toEqual({ code: Code.PermissionDenied, message: 'token:victor lacks permission promotions:approve in organization "default"' });
    const anonymous = await codeOf(platform.promotions(null).approve({ name }));
    expect(anonymous.code).toBe(Code.Unauthenticated);
    expect((await platform.promotions().getPromotion({ name })).promotion?.spec?.approvals).toEqual([]);

    const { promotion } = await platform.promotions("carol").approve({ name, comment: "change CHG-42" });
    expect(promotion?.spec?.approvals.map((a) => [a.principal, a.decision, a.comment])).toEqual([["token:carol", "Approved", "change CHG-42"]]);
    const done = await phaseOf(name, "Succeeded");
    expect(done.status?.conditions.find((c) => c.type === "Approved")).toMatchObject({ status: "True", message: 'approved by "token:carol": change CHG-42' });
    await readyBinding("greeter", "production", stagingArtifact);
  });

  it("honours an approver role granted to a group of the identity provider, from the service to the controller", async () => {
    const provider = await startTestProvider({ accounts: [{ id: "rita", groups: ["release-managers"] }] });
    try {
      await platform.stop();
      const settings = { issuer: provider.issuer, audiences: ["choreoctl"], subjectClaim: "sub", groupsClaim: "groups", clockSkewSeconds: 30 } as const;
      platform = await startPromotionPlatform({ signIn: createOidcAuthenticator(settings) });
      await platform.apply(`apiVersion: openchoreo.dev/v1alpha1
kind: AuthzRoleBinding
metadata:
  name: release-managers
spec:
  role: approver
  groups: [release-managers]
`);
      const { name, stagingArtifact } = await awaitingProduction();
      const rita = platform.promotions({ bearer: (await signIn(provider.issuer, "rita")).idToken });
      const { promotion } = await eventually(() => rita.approve({ name }).catch(() => undefined), "the group grant to reach the guard");
      expect(promotion?.spec?.approvals.map((a) => [a.principal, a.decision, a.groups])).toEqual([["oidc:rita", "Approved", ["release-managers"]]]);
      // The controller honours the decision through the group, as the service did.
      const done = await phaseOf(name, "Succeeded");
      expect(done.status?.conditions.find((c) => c.type === "Approved")).toMatchObject({ status: "True", message: 'approved by "oidc:rita"' });
      await readyBinding("greeter", "production", stagingArtifact);
    } finally {
      await provider.close();
    }
  });

  it("sets aside an approval written past the service by someone who may not approve", async () => {
    const { name } = await awaitingProduction();
    const stored = (await platform.get("Promotion", name))!;
    await platform.apply(JSON.stringify({ apiVersion: "openchoreo.dev/v1alpha1", kind: "Promotion", metadata: { name }, spec: { ...specOf(stored), approvals: [{ principal: "token:victor", decision: "Approved" }] } }));
    const waiting = await eventually(async () => {
      const p = await platform.get("Promotion", name);
      return condition(p, "Approved")?.message?.includes("set aside") && p;
    }, "the forged approval set aside");
    expect(condition(waiting, "Approved")?.message).toContain('"token:victor" does not hold the approver role');
    expect(((waiting.status as JsonObject).phase)).toBe("AwaitingApproval");
    expect(await bindingIn("greeter", "production")).toBeUndefined();
  });

  it("ends as Rejected when an approver rejects, and production is untouched", async () => {
    const { name } = await awaitingProduction();
    await platform.promotions("carol").reject({ name, comment: "not this week" });
    const rejected = await phaseOf(name, "Rejected");
    expect(rejected.status?.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "Rejected", message: 'rejected by "token:carol": not this week' });
    expect(await bindingIn("greeter", "production")).toBeUndefined();
    const late = await codeOf(platform.promotions("carol").approve({ name }));
    expect(late).toEqual({ code: Code.FailedPrecondition, message: `promotion "${name}" is Rejected: there is nothing to approve` });
  });

  it("promotes what was tested at request time, whatever lands in development meanwhile", async () => {
    const { name, stagingArtifact } = await awaitingProduction();
    const stagingAtRequest = await releaseText("greeter", "staging");
    // A new build reaches development and staging while production waits for its approval.
    await platform.apply(newBuild("greeter", "ghcr.io/acme/greeter:2.0.0"));
    const dev = await eventually(async () => {
      const b = await bindingIn("greeter", "development");
      return specOf(b).artifactName !== stagingArtifact && condition(b, "Ready")?.status === "True" && b;
    }, "the new build Ready in development");
    const again = await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" });
    await phaseOf(again.promotion!.metadata!.name, "Succeeded");
    expect(specOf(await bindingIn("greeter", "staging")).artifactName).toBe(specOf(dev).artifactName);

    await platform.promotions("carol").approve({ name });
    const done = await phaseOf(name, "Succeeded");
    expect(done.status?.artifactName).toBe(stagingArtifact);
    expect(done.status?.image).toBe("ghcr.io/acme/greeter:1.0.0");
    await readyBinding("greeter", "production", stagingArtifact);
    const production = await releaseText("greeter", "production");
    expect(containersOf(production)).toBe(containersOf(stagingAtRequest));
    expect(containersOf(production)).toContain('"image":"ghcr.io/acme/greeter:1.0.0"');
    expect(production).not.toContain("greeter:2.0.0");
  });
});

describe("history and rollback", () => {
  it("rolls back to an earlier artifact, reproducing the earlier manifests byte for byte, and lists it all", async () => {
    await platform.apply(serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
    const first = await readyBinding("greeter", "development");
    const v1 = String(specOf(first).artifactName);
    const released = (await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" })).promotion!;
    await phaseOf(released.metadata!.name, "Succeeded");
    await readyBinding("greeter", "staging", v1);
    const stagingAtV1 = await releaseText("greeter", "staging");

    // A workload change through the API: the deployment it causes records who wrote it.
    await platform.access.apply(newBuild("greeter", "ghcr.io/acme/greeter:1.1.0"), { actor: "token:erin" });
    const v2 = await eventually(async () => {
      const artifact = String(specOf(await readyBinding("greeter", "development")).artifactName);
      return artifact !== v1 && artifact;
    }, "the second build in development");
    const second = (await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" })).promotion!;
    await phaseOf(second.metadata!.name, "Succeeded");
    await readyBinding("greeter", "staging", v2);
    expect(await releaseText("greeter", "staging")).not.toBe(stagingAtV1);

    // Without an artifact, rollback goes to the one before the current.
    const { promotion: rollback } = await platform.promotions("dave").rollback({ componentName: "greeter", environment: "staging", reason: "1.1.0 leaks memory" });
    expect(rollback?.spec?.artifactName).toBe(v1);
    expect(rollback?.spec?.sourceEnvironment).toBeUndefined();
    await phaseOf(rollback!.metadata!.name, "Succeeded");
    await readyBinding("greeter", "staging", v1);
    await eventually(async () => (await releaseText("greeter", "staging")) === stagingAtV1, "staging's Release back to v1's manifests");

    const { entries } = await platform.promotions().listHistory({ componentName: "greeter", environment: "staging" });
    expect(entries.map((e) => [e.action, e.artifactName, e.result, e.principal])).toEqual([
      ["Rollback", v1, "Succeeded", "token:dave"],
      ["Promotion", v2, "Succeeded", "token:dave"],
      ["Promotion", v1, "Succeeded", "token:dave"],
    ]);
    const all = await platform.promotions().listHistory({ componentName: "greeter" });
    expect(all.entries.filter((e) => e.environment === "development").map((e) => [e.action, e.artifactName, e.image, e.principal])).toEqual([
      ["Build", v2, "ghcr.io/acme/greeter:1.1.0", "token:erin"],
      ["Build", v1, "ghcr.io/acme/greeter:1.0.0", ""],
    ]);
    const binding = await bindingIn("greeter", "staging");
    expect(((binding?.status as JsonObject).revisions as JsonObject[]).map((r) => r.artifactName)).toEqual([v1, v2, v1]);
  });

  it("refuses to roll back to an artifact the environment never ran", async () => {
    await platform.apply(serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
    const dev = await readyBinding("greeter", "development");
    const { promotion } = await platform.promotions("dave").rollback({ componentName: "greeter", environment: "production", artifactName: String(specOf(dev).artifactName) });
    const failed = await phaseOf(promotion!.metadata!.name, "Failed");
    expect(failed.status?.conditions.find((c) => c.type === "Ready")?.reason).toBe("NotDeployedBefore");
    expect(await bindingIn("greeter", "production")).toBeUndefined();
  });
});

describe("WatchPromotions", () => {
  it("streams promotions from pending to completed", async () => {
    await platform.apply(serviceComponent("greeter", "ghcr.io/acme/greeter:1.0.0"));
    await readyBinding("greeter", "development");
    const abort = new AbortController();
    const stream = platform.promotions().watchPromotions({ projectName: "default" }, { signal: abort.signal });
    const seen: string[] = [];
    const watching = (async () => {
      try {
        for await (const event of stream) {
          seen.push(`${event.promotion?.metadata?.name}:${event.promotion?.status?.phase ?? ""}`);
          if (event.promotion?.status?.phase === "Succeeded") return;
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    })();
    const { promotion } = await platform.promotions("dave").promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" });
    const name = promotion!.metadata!.name;
    await watching;
    abort.abort();
    expect(seen[0]).toBe(`${name}:`);
    expect(seen).toContain(`${name}:Pending`);
    expect(seen.at(-1)).toBe(`${name}:Succeeded`);
  });
});
