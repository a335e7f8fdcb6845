import { describe, expect, it } from "vitest";
import type { JsonObject } from "../model/json.js";
import { jobHealth, podHealth, podSummary, replicaSetHealth } from "./kubernetes-workload-health.js";

const pod = (status: JsonObject, containers = ["main"]): JsonObject => ({ metadata: { name: "p" }, spec: { containers: containers.map((name) => ({ name })) }, status });
const running = (name: string, ready: boolean, extra: JsonObject = {}): JsonObject => ({ name, ready, restartCount: 0, state: { running: { startedAt: "2026-12-06T10:00:00Z" } }, ...extra });

describe("health of what the cluster makes of a workload", () => {
  it("summarises a pod as kubectl get pods does, with the reason of its latest termination", () => {
    const p = pod(
      {
        phase: "Running",
        containerStatuses: [
          running("main", true, { restartCount: 2, lastState: { terminated: { reason: "Error", exitCode: 1, finishedAt: "2026-12-06T10:00:00Z" } } }),
          running("proxy", false, { restartCount: 1, lastState: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: "2026-12-06T11:00:00Z" } } }),
        ],
      },
      ["main", "proxy"],
    );
    expect(podSummary(p)).toEqual({ phase: "Running", readyContainers: 1, totalContainers: 2, restarts: 3, lastTerminationReason: "OOMKilled" });
    expect(podHealth(p, 0)).toMatchObject({ health: "Progressing", reason: "NotReady", message: "1/2 containers ready" });
  });

  it.each([
    ["running and ready", pod({ phase: "Running", containerStatuses: [running("main", true)] }), "Healthy", "Running"],
    ["pending", pod({ phase: "Pending" }), "Progressing", "Pending"],
    ["crash-looping", pod({ phase: "Running", containerStatuses: [{ name: "main", ready: false, restartCount: 4, state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } } }] }), "Degraded", "CrashLoopBackOff"],
    ["unable to pull its image", pod({ phase: "Pending", containerStatuses: [{ name: "main", ready: false, restartCount: 0, state: { waiting: { reason: "ImagePullBackOff" } } }] }), "Degraded", "ImagePullBackOff"],
    ["failed", pod({ phase: "Failed", reason: "Evicted", message: "low on memory" }), "Degraded", "Evicted"],
    ["completed", pod({ phase: "Succeeded" }), "Healthy", "Completed"],
  ])("a pod %s is %s", (_, object, health, reason) => {
    expect(podHealth(object, 0)).toMatchObject({ health, reason });
  });

  it("counts a ReplicaSet healthy when its replicas are ready, and an earlier rollout's scaled to zero as suspended", () => {
    expect(replicaSetHealth({ spec: { replicas: 2 }, status: { readyReplicas: 2 } }, 0).health).toBe("Healthy");
    expect(replicaSetHealth({ spec: { replicas: 2 }, status: { readyReplicas: 1 } }, 0)).toMatchObject({ health: "Progressing", message: "1/2 replica(s) ready" });
    expect(replicaSetHealth({ spec: { replicas: 0 }, status: {} }, 0).health).toBe("Suspended");
  });

  it("reads a Job's Complete and Failed conditions", () => {
    expect(jobHealth({ status: { conditions: [{ type: "Complete", status: "True" }], succeeded: 1 } }, 0).health).toBe("Healthy");
    expect(jobHealth({ status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } }, 0)).toMatchObject({ health: "Degraded", reason: "BackoffLimitExceeded" });
    expect(jobHealth({ status: { active: 1 } }, 0).health).toBe("Progressing");
  });
});
