import type { JsonObject } from "../../src/model/json.js";
import type { ObjectStore } from "./object-store.js";
import type { PodLogs } from "./pod-logs.js";
import type { ResourceCatalog, ResourceType } from "./resource-catalog.js";
import type { WatchHub } from "./watch-hub.js";
import { createWorkloadControllers, type WorkloadControllers } from "./workload-controllers.js";

/** Names an object in the double. */
export interface ObjectKey {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface WorkflowNode {
  readonly name: string;
  readonly phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Error" | "Skipped" | "Omitted";
  readonly type?: string;
  readonly message?: string;
}

/**
 * What the kubelet, the Deployment controller, the gateway and the Argo controller would write, done by
 * a test through the same store writes (and field managers) a real controller's requests would make.
 */
export interface OtherControllers extends WorkloadControllers {
  /** Writes an object's status (through `/status` where the kind has one). */
  setStatus(key: ObjectKey, status: JsonObject, manager?: string): JsonObject;
  /** All replicas ready and available, at the current generation. */
  markDeploymentAvailable(namespace: string, name: string): JsonObject;
  /** The rollout stalled: Progressing False with ProgressDeadlineExceeded. */
  markDeploymentStalled(namespace: string, name: string, message?: string): JsonObject;
  markCronJobScheduled(namespace: string, name: string, lastScheduleTime: string): JsonObject;
  /** A gateway's verdict on a route, one parent. */
  setRouteAcceptance(kind: "HTTPRoute" | "GRPCRoute", namespace: string, name: string, accepted: boolean, reason: string, message?: string): JsonObject;
  /** Moves a Workflow to a phase with node statuses, as the Argo controller does. */
  setWorkflowPhase(namespace: string, name: string, phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Error", nodes?: readonly WorkflowNode[], message?: string): JsonObject;
  /** Creates a Pod (a build step) with one container if it is absent, and appends to that container's log. */
  writePodLog(namespace: string, pod: string, container: string, text: string, options?: { finished?: boolean }): void;
  /** Changes an object behind the agent's back, as `kubectl edit` would (an Update by another manager). */
  drift(key: ObjectKey, mutate: (object: JsonObject) => void, manager?: string): JsonObject;
  /** Deletes an object behind the agent's back. */
  remove(key: ObjectKey): void;
}

export function createOtherControllers(catalog: ResourceCatalog, store: ObjectStore, hub: WatchHub, logs: PodLogs, now: () => Date): OtherControllers {
  const resourceOf = (key: ObjectKey): ResourceType => {
    const resource = catalog.byKind(key.apiVersion, key.kind);
    if (!resource) throw new Error(`the double serves no ${key.apiVersion} ${key.kind}`);
    return resource;
  };
  const timestamp = () => now().toISOString().replace(/\.\d+Z$/, "Z");

  function setStatus(key: ObjectKey, status: JsonObject, manager = "test-controller"): JsonObject {
    const resource = resourceOf(key);
    const object = store.get(resource, key.namespace ?? "", key.name);
    return store.update(resource, key.namespace ?? "", key.name, { ...object, status }, manager, resource.statusSubresource ? "status" : "");
  }

  const deployment = (namespace: string, name: string) => store.get(catalog.byKind("apps/v1", "Deployment")!, namespace, name);
  const condition = (type: string, status: "True" | "False", reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: timestamp(),
    lastUpdateTime: timestamp(),
  });

  return {
    ...createWorkloadControllers(catalog, store, hub, logs, now),
    setStatus,

    markDeploymentAvailable(namespace, name) {
      const object = deployment(namespace, name);
      const replicas = ((object.spec as { replicas?: number } | undefined)?.replicas ?? 1) as number;
      return setStatus(
        { apiVersion: "apps/v1", kind: "Deployment", namespace, name },
        {
          observedGeneration: (object.metadata as { generation: number }).generation,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          conditions: [
            condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
            condition("Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${name}" has successfully progressed.`),
          ],
        },
        "kube-controller-manager",
      );
    },

    markDeploymentStalled(namespace, name, message) {
      const object = deployment(namespace, name);
      return setStatus(
        { apiVersion: "apps/v1", kind: "Deployment", namespace, name },
        {
          observedGeneration: (object.metadata as { generation: number }).generation,
          replicas: 1,
          unavailableReplicas: 1,
          conditions: [
            condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
            condition("Progressing", "False", "ProgressDeadlineExceeded", message ?? `ReplicaSet "${name}" has timed out progressing.`),
          ],
        },
        "kube-controller-manager",
      );
    },

    markCronJobScheduled(namespace, name, lastScheduleTime) {
      return setStatus({ apiVersion: "batch/v1", kind: "CronJob", namespace, name }, { lastScheduleTime, active: [] }, "kube-controller-manager");
    },

    setRouteAcceptance(kind, namespace, name, accepted, reason, message = "") {
      const route = store.get(catalog.byKind("gateway.networking.k8s.io/v1", kind)!, namespace, name);
      const parentRef = ((route.spec as { parentRefs?: JsonObject[] } | undefined)?.parentRefs ?? [{ name: "gateway" }])[0]!;
      const generation = (route.metadata as { generation: number }).generation;
      const cond = (type: string, ok: boolean, why: string) => ({ type, status: ok ? "True" : "False", reason: why, message, observedGeneration: generation, lastTransitionTime: timestamp() });
      return setStatus(
        { apiVersion: "gateway.networking.k8s.io/v1", kind, namespace, name },
        {
          parents: [
            {
              parentRef,
              controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
              conditions: [cond("Accepted", accepted, reason), cond("ResolvedRefs", true, "ResolvedRefs")],
            },
          ],
        },
        "envoy-gateway",
      );
    },

    setWorkflowPhase(namespace, name, phase, nodes = [], message) {
      const finished = phase === "Succeeded" || phase === "Failed" || phase === "Error";
      return setStatus(
        { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", namespace, name },
        {
          phase,
          startedAt: timestamp(),
          ...(finished ? { finishedAt: timestamp() } : {}),
          ...(message ? { message } : {}),
          nodes: Object.fromEntries(
            nodes.map((node) => [
              `${name}-${node.name}`,
              { id: `${name}-${node.name}`, name: `${name}.${node.name}`, displayName: node.name, type: node.type ?? "Pod", phase: node.phase, ...(node.message ? { message: node.message } : {}) },
            ]),
          ),
        },
        "workflow-controller",
      );
    },

    writePodLog(namespace, pod, container, text, options) {
      const pods = catalog.byKind("v1", "Pod")!;
      if (!store.find(pods, namespace, pod)) {
        store.create(pods, namespace, { metadata: { name: pod, namespace }, spec: { containers: [{ name: container, image: "busybox" }] } }, "kubelet");
      }
      logs.append(namespace, pod, container, text);
      if (options?.finished) logs.finish(namespace, pod, container);
    },

    drift(key, mutate, manager = "kubectl-edit") {
      const resource = resourceOf(key);
      const object = store.get(resource, key.namespace ?? "", key.name);
      mutate(object);
      return store.update(resource, key.namespace ?? "", key.name, object, manager, "");
    },

    remove(key) {
      store.delete(resourceOf(key), key.namespace ?? "", key.name);
    },
  };
}
