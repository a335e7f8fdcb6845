import { createHash } from "node:crypto";
import { getPath, isJsonObject, type JsonObject } from "../../src/model/json.js";
import { parseLabelSelector } from "../../src/model/label-selector.js";
import type { ObjectStore } from "./object-store.js";
import type { PodLogs } from "./pod-logs.js";
import type { ResourceCatalog, ResourceType } from "./resource-catalog.js";
import type { WatchHub } from "./watch-hub.js";

/** What a container's exit looked like, as `lastState.terminated` records it. */
export interface ContainerExit {
  readonly reason: string;
  readonly exitCode: number;
}

/**
 * What kube-controller-manager's Deployment, ReplicaSet, CronJob and Job controllers and a kubelet
 * would do, done when a test says so: the objects they create carry the owner references, labels,
 * statuses and core/v1 Events a real cluster's do, and container logs are served on `pods/<name>/log`.
 */
export interface WorkloadControllers {
  /**
   * Rolls out the Deployment's current template: a ReplicaSet `<name>-<template hash>` owned by it
   * with `spec.replicas` running, ready pods; earlier ReplicaSets are scaled to 0 and their pods deleted.
   */
  rollOutDeployment(namespace: string, name: string): { replicaSet: string; pods: string[] };
  /** Deletes a pod of a ReplicaSet or Job and creates its replacement, running; returns the new pod's name. */
  replacePod(namespace: string, pod: string): string;
  /** Starts a run of a CronJob: a Job `<name>-<minutes since the epoch>` owned by it, with one running pod. */
  runCronJob(namespace: string, name: string, at?: Date): { job: string; pod: string };
  /** The Job's pod finished: its containers terminated, the Job Complete (exit 0) or Failed. */
  finishJob(namespace: string, job: string, exitCode?: number): void;
  /** The container writes `text` to its log, stamped `at` (now by default). */
  writeContainerLog(namespace: string, pod: string, container: string, text: string, at?: Date): void;
  /** How many clients follow a container's log right now (`follow=true` streams not yet closed). */
  logFollowers(): number;
  /** Cuts every open log follow mid-way, as a dropped connection would. */
  breakLogStreams(): void;
  /** The container exited and the kubelet started it again: restartCount + 1, lastState.terminated, a BackOff event. */
  restartContainer(namespace: string, pod: string, container: string, exit: ContainerExit): void;
  /** The container exited and waits (CrashLoopBackOff): the pod is not ready. */
  crashContainer(namespace: string, pod: string, container: string, exit: ContainerExit): void;
  /** A core/v1 Event about an object, as a controller records one (a repeat of the same reason counts up). */
  recordEvent(involved: { apiVersion: string; kind: string; namespace: string; name: string }, type: "Normal" | "Warning", reason: string, message: string, component?: string): JsonObject;
}

// Kubernetes' rand.SafeEncodeString alphabet: no vowels, no look-alikes.
const alphabet = "bcdfghjklmnpqrstvwxz2456789";
const encode = (text: string, length: number) =>
  [...createHash("sha256").update(text).digest()].slice(0, length).map((b) => alphabet[b % alphabet.length]).join("");

type Meta = { name: string; namespace: string; uid: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] };
const metaOf = (object: JsonObject) => object.metadata as unknown as Meta;
const everything = parseLabelSelector(undefined);

export function createWorkloadControllers(catalog: ResourceCatalog, store: ObjectStore, hub: WatchHub, logs: PodLogs, now: () => Date): WorkloadControllers {
  const type = (apiVersion: string, kind: string): ResourceType => catalog.byKind(apiVersion, kind)!;
  const pods = type("v1", "Pod");
  const replicaSets = type("apps/v1", "ReplicaSet");
  const jobs = type("batch/v1", "Job");
  const events = type("v1", "Event");
  const timestamp = () => now().toISOString().replace(/\.\d+Z$/, "Z");
  let sequence = 0;

  // The kubelet stops a deleted pod's containers: their log streams end.
  hub.listen((event) => {
    if (event.type === "DELETED" && event.resource === pods) logs.forget(metaOf(event.object).namespace, metaOf(event.object).name);
  });

  const ownerReference = (apiVersion: string, kind: string, owner: JsonObject) => ({ apiVersion, kind, name: metaOf(owner).name, uid: metaOf(owner).uid, controller: true, blockOwnerDeletion: true });

  function writeStatus(resource: ResourceType, object: JsonObject, status: JsonObject, manager: string): JsonObject {
    const current = store.get(resource, metaOf(object).namespace, metaOf(object).name);
    return store.update(resource, metaOf(object).namespace, metaOf(object).name, { ...current, status }, manager, "status");
  }

  function recordEvent(involved: { apiVersion: string; kind: string; namespace: string; name: string }, type: "Normal" | "Warning", reason: string, message: string, component = "kube-controller-manager"): JsonObject {
    const object = store.find(catalog.byKind(involved.apiVersion, involved.kind)!, involved.namespace, involved.name);
    const uid = object ? metaOf(object).uid : "";
    const same = store
      .list(events, involved.namespace, everything)
      .items.find((e) => getPath(e, "involvedObject.uid") === uid && getPath(e, "involvedObject.name") === involved.name && e.reason === reason && e.message === message);
    if (same) {
      return store.update(events, involved.namespace, metaOf(same).name, { ...same, count: Number(same.count ?? 1) + 1, lastTimestamp: timestamp() }, component, "");
    }
    // Events are named `<object>.<16 hex>`, as client-go's recorder names them.
    const name = `${involved.name}.${createHash("sha256").update(`${uid}/${reason}/${++sequence}`).digest("hex").slice(0, 16)}`;
    return store.create(
      events,
      involved.namespace,
      {
        metadata: { name, namespace: involved.namespace },
        involvedObject: { apiVersion: involved.apiVersion, kind: involved.kind, namespace: involved.namespace, name: involved.name, ...(uid ? { uid } : {}) },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: timestamp(),
        lastTimestamp: timestamp(),
        source: { component },
        reportingComponent: component,
        reportingInstance: "",
      },
      component,
    );
  }

  const containerNames = (pod: JsonObject) => ((getPath(pod, "spec.containers") as JsonObject[] | undefined) ?? []).filter(isJsonObject).map((c) => String(c.name));

  function runningStatus(pod: JsonObject): JsonObject {
    const started = timestamp();
    const condition = (t: string) => ({ type: t, status: "True", lastProbeTime: null, lastTransitionTime: started });
    return {
      phase: "Running",
      conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(condition),
      hostIP: "10.0.0.1",
      podIP: `10.244.0.${(sequence % 250) + 2}`,
      startTime: started,
      containerStatuses: ((getPath(pod, "spec.containers") as JsonObject[] | undefined) ?? []).map((c) => ({
        name: c.name!,
        image: c.image ?? "",
        imageID: "",
        containerID: `containerd://${encode(`${metaOf(pod).uid}/${String(c.name)}`, 32)}`,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: started } },
      })),
    };
  }

  /** Creates a running pod from a template, owned by `owner`, as a controller and then the kubelet would. */
  function startPod(namespace: string, name: string, template: JsonObject, owner: { apiVersion: string; kind: string; object: JsonObject }, extraLabels: Record<string, string>): string {
    sequence++;
    const templateMeta = isJsonObject(template.metadata) ? template.metadata : {};
    const created = store.create(
      pods,
      namespace,
      {
        metadata: {
          name,
          namespace,
          labels: { ...((templateMeta.labels as Record<string, string> | undefined) ?? {}), ...extraLabels },
          ...(templateMeta.annotations ? { annotations: templateMeta.annotations } : {}),
          ownerReferences: [ownerReference(owner.apiVersion, owner.kind, owner.object)],
        },
        spec: { ...structuredClone((template.spec as JsonObject | undefined) ?? {}), nodeName: "double-node" },
      },
      `${owner.kind.toLowerCase()}-controller`,
    );
    recordEvent({ apiVersion: owner.apiVersion, kind: owner.kind, namespace, name: metaOf(owner.object).name }, "Normal", "SuccessfulCreate", `Created pod: ${name}`);
    const pod = writeStatus(pods, created, runningStatus(created), "kubelet");
    const ref = { apiVersion: "v1", kind: "Pod", namespace, name };
    recordEvent(ref, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to double-node`, "default-scheduler");
    for (const container of containerNames(pod)) {
      recordEvent(ref, "Normal", "Created", `Created container ${container}`, "kubelet");
      recordEvent(ref, "Normal", "Started", `Started container ${container}`, "kubelet");
    }
    return name;
  }

  const podsOwnedBy = (namespace: string, uid: string) => store.list(pods, namespace, everything).items.filter((p) => (metaOf(p).ownerReferences ?? []).some((r) => r.uid === uid));

  function replicaSetStatus(replicaSet: JsonObject): void {
    const count = podsOwnedBy(metaOf(replicaSet).namespace, metaOf(replicaSet).uid).length;
    const ready = podsOwnedBy(metaOf(replicaSet).namespace, metaOf(replicaSet).uid).filter((p) => getPath(p, "status.phase") === "Running" && containerNames(p).length > 0).length;
    writeStatus(replicaSets, replicaSet, { replicas: count, fullyLabeledReplicas: count, readyReplicas: ready, availableReplicas: ready, observedGeneration: 1 }, "kube-controller-manager");
  }

  function updateContainer(namespace: string, pod: string, container: string, change: (status: JsonObject) => void, ready: boolean): void {
    const object = store.get(pods, namespace, pod);
    const status = structuredClone((object.status as JsonObject | undefined) ?? runningStatus(object));
    const statuses = (status.containerStatuses as JsonObject[] | undefined) ?? [];
    const entry = statuses.find((s) => s.name === container);
    if (!entry) throw new Error(`pod ${namespace}/${pod} has no container ${container}`);
    change(entry);
    entry.ready = ready;
    const allReady = statuses.every((s) => s.ready === true);
    for (const condition of (status.conditions as JsonObject[] | undefined) ?? []) {
      if (condition.type === "Ready" || condition.type === "ContainersReady") condition.status = allReady ? "True" : "False";
    }
    writeStatus(pods, object, status, "kubelet");
  }

  /** The container exited: the kubelet either runs it again at once or backs off (CrashLoopBackOff, not ready). */
  function containerExited(namespace: string, pod: string, container: string, exit: ContainerExit, runsAgain: boolean): void {
    const change = (status: JsonObject) => {
      status.lastState = terminated(exit, getPath(status, "state.running.startedAt"));
      status.restartCount = Number(status.restartCount ?? 0) + 1;
      status.state = runsAgain
        ? { running: { startedAt: timestamp() } }
        : { waiting: { reason: "CrashLoopBackOff", message: `back-off 10s restarting failed container=${container} pod=${pod}_${namespace}` } };
    };
    updateContainer(namespace, pod, container, change, runsAgain);
    logs.restart(namespace, pod, container);
    recordEvent({ apiVersion: "v1", kind: "Pod", namespace, name: pod }, "Warning", "BackOff", `Back-off restarting failed container ${container} in pod ${pod}_${namespace}`, "kubelet");
  }

  const terminated = (exit: ContainerExit, startedAt: unknown): JsonObject => ({
    terminated: { exitCode: exit.exitCode, reason: exit.reason, startedAt: typeof startedAt === "string" ? startedAt : timestamp(), finishedAt: timestamp(), containerID: "" },
  });

  return {
    recordEvent,

    rollOutDeployment(namespace, name) {
      const deployment = store.get(type("apps/v1", "Deployment"), namespace, name);
      const template = (getPath(deployment, "spec.template") as JsonObject | undefined) ?? {};
      const hash = encode(JSON.stringify(template), 10);
      const replicaSetName = `${name}-${hash}`;
      const replicas = Number(getPath(deployment, "spec.replicas") ?? 1);
      const selector = (getPath(deployment, "spec.selector.matchLabels") as Record<string, string> | undefined) ?? {};
      const ref = { apiVersion: "apps/v1", kind: "Deployment", namespace, name };
      for (const old of store.list(replicaSets, namespace, everything).items) {
        const owned = (metaOf(old).ownerReferences ?? []).some((r) => r.uid === metaOf(deployment).uid);
        if (!owned || metaOf(old).name === replicaSetName) continue;
        store.update(replicaSets, namespace, metaOf(old).name, { ...old, spec: { ...(old.spec as JsonObject), replicas: 0 } }, "kube-controller-manager", "");
        for (const pod of podsOwnedBy(namespace, metaOf(old).uid)) store.delete(pods, namespace, metaOf(pod).name);
        replicaSetStatus(store.get(replicaSets, namespace, metaOf(old).name));
        recordEvent(ref, "Normal", "ScalingReplicaSet", `Scaled down replica set ${metaOf(old).name} from 1 to 0`);
      }
      const labels = { ...((getPath(template, "metadata.labels") as Record<string, string> | undefined) ?? {}), "pod-template-hash": hash };
      const replicaSet =
        store.find(replicaSets, namespace, replicaSetName) ??
        store.create(
          replicaSets,
          namespace,
          {
            metadata: { name: replicaSetName, namespace, labels, ownerReferences: [ownerReference("apps/v1", "Deployment", deployment)] },
            spec: { replicas, selector: { matchLabels: { ...selector, "pod-template-hash": hash } }, template: { ...template, metadata: { ...((template.metadata as JsonObject | undefined) ?? {}), labels } } },
          },
          "kube-controller-manager",
        );
      recordEvent(ref, "Normal", "ScalingReplicaSet", `Scaled up replica set ${replicaSetName} to ${replicas}`);
      const running = podsOwnedBy(namespace, metaOf(replicaSet).uid).map((p) => metaOf(p).name);
      const podTemplate = getPath(replicaSet, "spec.template") as JsonObject;
      while (running.length < replicas) running.push(startPod(namespace, `${replicaSetName}-${encode(`${replicaSetName}/${++sequence}`, 5)}`, podTemplate, { apiVersion: "apps/v1", kind: "ReplicaSet", object: replicaSet }, {}));
      replicaSetStatus(replicaSet);
      const generation = Number(getPath(deployment, "metadata.generation") ?? 1);
      const condition = (t: string, reason: string, message: string) => ({ type: t, status: "True", reason, message, lastTransitionTime: timestamp(), lastUpdateTime: timestamp() });
      writeStatus(
        type("apps/v1", "Deployment"),
        deployment,
        {
          observedGeneration: generation,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          conditions: [condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."), condition("Progressing", "NewReplicaSetAvailable", `ReplicaSet "${replicaSetName}" has successfully progressed.`)],
        },
        "kube-controller-manager",
      );
      return { replicaSet: replicaSetName, pods: running };
    },

    replacePod(namespace, pod) {
      const object = store.get(pods, namespace, pod);
      const owner = (metaOf(object).ownerReferences ?? []).find((r) => r.controller);
      if (!owner) throw new Error(`pod ${namespace}/${pod} has no controller to replace it`);
      const ownerType = owner.kind === "Job" ? jobs : replicaSets;
      const ownerObject = store.get(ownerType, namespace, owner.name);
      store.delete(pods, namespace, pod);
      const template = getPath(ownerObject, "spec.template") as JsonObject;
      const replacement = startPod(namespace, `${owner.name}-${encode(`${owner.name}/${++sequence}`, 5)}`, template, { apiVersion: owner.kind === "Job" ? "batch/v1" : "apps/v1", kind: owner.kind, object: ownerObject }, {});
      if (ownerType === replicaSets) replicaSetStatus(ownerObject);
      return replacement;
    },

    runCronJob(namespace, name, at = now()) {
      const cronJob = store.get(type("batch/v1", "CronJob"), namespace, name);
      const jobTemplate = (getPath(cronJob, "spec.jobTemplate") as JsonObject | undefined) ?? {};
      // The CronJob controller names a run after its scheduled time in minutes.
      const jobName = `${name}-${Math.floor(at.getTime() / 60_000)}`;
      const jobLabels = (getPath(jobTemplate, "metadata.labels") as Record<string, string> | undefined) ?? {};
      const job = store.create(
        jobs,
        namespace,
        { metadata: { name: jobName, namespace, labels: jobLabels, ownerReferences: [ownerReference("batch/v1", "CronJob", cronJob)] }, spec: structuredClone((jobTemplate.spec as JsonObject | undefined) ?? {}) },
        "cronjob-controller",
      );
      recordEvent({ apiVersion: "batch/v1", kind: "CronJob", namespace, name }, "Normal", "SuccessfulCreate", `Created job ${jobName}`, "cronjob-controller");
      writeStatus(jobs, job, { active: 1, startTime: timestamp() }, "job-controller");
      const podTemplate = (getPath(job, "spec.template") as JsonObject | undefined) ?? {};
      const controllerLabels = { "batch.kubernetes.io/controller-uid": metaOf(job).uid, "batch.kubernetes.io/job-name": jobName, "controller-uid": metaOf(job).uid, "job-name": jobName };
      const pod = startPod(namespace, `${jobName}-${encode(`${jobName}/${++sequence}`, 5)}`, podTemplate, { apiVersion: "batch/v1", kind: "Job", object: job }, controllerLabels);
      const cronJobNow = store.get(type("batch/v1", "CronJob"), namespace, name);
      writeStatus(type("batch/v1", "CronJob"), cronJobNow, { ...((cronJobNow.status as JsonObject | undefined) ?? {}), lastScheduleTime: at.toISOString().replace(/\.\d+Z$/, "Z"), active: [{ apiVersion: "batch/v1", kind: "Job", namespace, name: jobName, uid: metaOf(job).uid }] }, "cronjob-controller");
      return { job: jobName, pod };
    },

    finishJob(namespace, job, exitCode = 0) {
      const object = store.get(jobs, namespace, job);
      for (const pod of podsOwnedBy(namespace, metaOf(object).uid)) {
        const podStatus = structuredClone((pod.status as JsonObject | undefined) ?? {});
        podStatus.phase = exitCode === 0 ? "Succeeded" : "Failed";
        for (const status of (podStatus.containerStatuses as JsonObject[] | undefined) ?? []) {
          status.state = terminated({ reason: exitCode === 0 ? "Completed" : "Error", exitCode }, getPath(status, "state.running.startedAt"));
          status.ready = false;
          logs.finish(namespace, metaOf(pod).name, String(status.name));
        }
        for (const condition of (podStatus.conditions as JsonObject[] | undefined) ?? []) if (condition.type === "Ready" || condition.type === "ContainersReady") condition.status = "False";
        writeStatus(pods, pod, podStatus, "kubelet");
      }
      const succeeded = exitCode === 0;
      const condition = { type: succeeded ? "Complete" : "Failed", status: "True", reason: succeeded ? "Completed" : "BackoffLimitExceeded", message: succeeded ? "" : "Job has reached the specified backoff limit", lastProbeTime: timestamp(), lastTransitionTime: timestamp() };
      writeStatus(jobs, object, { ...((object.status as JsonObject | undefined) ?? {}), active: 0, ...(succeeded ? { succeeded: 1, completionTime: timestamp() } : { failed: 1 }), conditions: [condition] }, "job-controller");
      recordEvent({ apiVersion: "batch/v1", kind: "Job", namespace, name: job }, succeeded ? "Normal" : "Warning", succeeded ? "Completed" : "BackoffLimitExceeded", succeeded ? "Job completed" : "Job has reached the specified backoff limit", "job-controller");
    },

    writeContainerLog: (namespace, pod, container, text, at) => logs.append(namespace, pod, container, text, at),

    logFollowers: () => logs.followers(),

    breakLogStreams: () => logs.breakFollowers(),

    restartContainer: (namespace, pod, container, exit) => containerExited(namespace, pod, container, exit, true),

    crashContainer: (namespace, pod, container, exit) => containerExited(namespace, pod, container, exit, false),
  };
}
