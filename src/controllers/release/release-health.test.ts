import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ReleaseSchema, type Release } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { releaseConditions, type Health, type PlaneView } from "./release-health.js";

const connected: PlaneView = { kind: "DataPlane", name: "edge", exists: true, agent: { connected: true } as PlaneView["agent"] };

function release(objects: Record<string, { health?: Health; sync?: string; message?: string } | undefined>, applied = 2): Release {
  const ids = Object.keys(objects);
  return create(ReleaseSchema, {
    metadata: { name: "r", namespace: "acme", generation: 2 },
    spec: { resources: ids.map((id) => ({ id, object: { kind: "Deployment" } })) },
    status: {
      appliedGeneration: applied,
      resources: ids.flatMap((id) => {
        const o = objects[id];
        return o ? [{ id, kind: id, name: id, healthStatus: o.health, syncStatus: o.sync ?? "Applied", message: o.message }] : [];
      }),
    },
  });
}

const byType = (r: Release, plane = connected) => Object.fromEntries(releaseConditions(r, plane).map((c) => [c.type, c]));

describe("releaseConditions", () => {
  it("is Ready when the agent applied this generation and every object is healthy", () => {
    const c = byType(release({ a: { health: "Healthy" }, b: { health: "Healthy" } }));
    expect(c.Synced).toMatchObject({ status: "True", reason: "Applied" });
    expect(c.Ready).toMatchObject({ status: "True", reason: "Healthy", message: "2 objects healthy" });
  });

  it("waits for the agent to apply a newer generation, and says when no agent is connected", () => {
    expect(byType(release({ a: { health: "Healthy" } }, 1)).Ready).toMatchObject({ status: "False", reason: "Applying" });
    const away = byType(release({ a: { health: "Healthy" } }, 1), { ...connected, agent: { connected: false, disconnectReason: "heartbeat timeout" } as PlaneView["agent"] });
    expect(away.Ready).toMatchObject({ status: "False", reason: "AgentNotConnected", message: 'no agent of DataPlane "edge" is connected: heartbeat timeout' });
    expect(byType(release({}, 1), { ...connected, exists: false, agent: undefined }).Ready).toMatchObject({ reason: "DataPlaneNotFound" });
  });

  it("stops vouching for an applied Release once the plane's agent is gone", () => {
    const gone = byType(release({ a: { health: "Healthy" } }), { ...connected, agent: { connected: false, disconnectReason: "heartbeat timeout" } as PlaneView["agent"] });
    expect(gone.Ready).toMatchObject({ status: "False", reason: "AgentNotConnected" });
  });

  it("names every object that failed to apply, even when the rest applied", () => {
    const c = byType(release({ a: { health: "Healthy" }, b: { sync: "Failed", message: "admission webhook denied" } }));
    expect(c.Ready).toMatchObject({ status: "False", reason: "ApplyFailed", message: "b b: admission webhook denied" });
  });

  it("says Refused when the plane's agent refused an object (its guard), naming the agent and its reason", () => {
    const c = byType(release({ a: { health: "Healthy" }, b: { sync: "Refused", message: "kind: an agent never applies a ClusterRoleBinding" }, f: { sync: "Failed", message: "conflict" } }));
    expect(c.Synced).toMatchObject({ status: "False", reason: "Refused" });
    expect(c.Ready).toMatchObject({ status: "False", reason: "Refused", message: 'b b: refused by the agent of DataPlane "edge": kind: an agent never applies a ClusterRoleBinding; f f: conflict' });
  });

  it("rolls health up worst first: Degraded, then Progressing, then Unknown; Suspended is ready", () => {
    expect(byType(release({ a: { health: "Progressing" }, b: { health: "Degraded", message: "CrashLoopBackOff" } })).Ready).toMatchObject({ status: "False", reason: "Degraded", message: "b b (CrashLoopBackOff)" });
    expect(byType(release({ a: { health: "Progressing" }, b: { health: "Healthy" } })).Ready).toMatchObject({ status: "False", reason: "Progressing" });
    expect(byType(release({ a: { health: "Unknown", message: "NoRuntime" } })).Ready).toMatchObject({ status: "Unknown", reason: "HealthUnknown", message: "a a (NoRuntime)" });
    expect(byType(release({ a: { health: "Suspended" }, b: { health: "Healthy" } })).Ready).toMatchObject({ status: "True", reason: "Suspended" });
  });

  it("counts an object not reported yet as not applied", () => {
    expect(byType(release({ a: { health: "Healthy" }, b: undefined })).Healthy).toMatchObject({ status: "Unknown", message: "1 of 2 objects not reported yet" });
  });

  it("is Ready with nothing to hold once the agent pruned everything (an undeployed binding)", () => {
    expect(byType(release({})).Ready).toMatchObject({ status: "True", reason: "Empty" });
  });
});
