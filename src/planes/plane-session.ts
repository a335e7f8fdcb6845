import { randomUUID } from "node:crypto";
import { clone, create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import {
  ConnectResponseSchema,
  type ConnectRequest,
  type ConnectResponse,
  type EventReport,
  type Hello,
  type LiveObject,
  type LogChunk,
  type ReleaseAck,
  type StatusReport,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { PlaneAgentStatusSchema } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { ReleaseSchema, ReleaseStatusSchema, type Release, type ReleaseStatus } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { withConditions } from "../controllers/object-status.js";
import { messageEquals } from "../model/message-equals.js";
import { releaseStatusConditions, type PlaneView } from "../controllers/release/release-health.js";
import type { TimerHandle } from "../core/index.js";
import { isConflictError, isFailedPreconditionError, isNotFoundError, NotFoundError, ResourceExhaustedError } from "../errors/index.js";
import { isJsonObject, type JsonObject } from "../model/index.js";
import type { ResourceObject } from "../store/index.js";
import { createAgentSubscriptions, type AgentSubscriptionRequest, type SubscriptionHandler } from "./agent-subscriptions.js";
import { desiredObjects, refKey } from "./desired-objects.js";
import { createMessageChannel } from "./message-channel.js";
import type { PlaneAgentHubDeps } from "./plane-agent-hub.js";
import type { AuthenticatedPlane } from "./plane-credentials.js";
import { AgentUnavailableError, isSessionReplacedError } from "./plane-errors.js";
import { parseReleaseId, planeSchema, releaseIsForPlane, type PlaneObject, type PlaneRef } from "./plane-ref.js";
import { planRelease, type HeldRelease } from "./release-parts.js";
import { withSyncStatus, type ObjectHealth } from "./release-status.js";
import { updateStatus } from "./update-status.js";

/** What the hub has (but its informers), and its Release cache. */
export interface PlaneSessionDeps extends Omit<PlaneAgentHubDeps, "informers"> {
  /** The Release informer's cache: what the plane should hold, as last seen. */
  readonly releases: { get(namespace: string, name: string): ResourceObject | undefined; list(plane: PlaneRef): ResourceObject[] };
}

/** One agent's open stream on this replica. */
export interface PlaneSession {
  readonly id: string;
  readonly plane: PlaneRef;
  readonly auth: AuthenticatedPlane;
  readonly lastSeenMs: number;
  /** The plane's status has shown this session since it started (so a different id there is a newer one). */
  seenInStatus: boolean;
  /** Records the session in the plane's status; NotFoundError when the plane is gone. */
  open(): Promise<void>;
  /** The messages for the agent, while `requests` are handled; ends when the session does. */
  serve(requests: AsyncIterator<ConnectRequest>): AsyncIterable<ConnectResponse>;
  /** A Release of the plane (or one that left it) changed. */
  releaseChanged(id: string): void;
  /** Ends the stream: with the error, or normally; `reason` goes to the plane's status. */
  end(error: Error | undefined, reason: string): void;
  /** Resolves once the session has ended and its last status write is done. */
  readonly finished: Promise<void>;
  /** Asks the agent for its live objects; undefined if it does not answer in time. */
  queryLive(kind: string, namespace: string, timeoutMs: number): Promise<LiveObject[] | undefined>;
  /** The optional features the agent announced in its Hello. */
  readonly capabilities: readonly string[];
  /**
   * Opens a log read or tree watch on the agent; what it sends for it goes to the handler, which hears
   * onEnd when the agent ends it or the session does. Returns the cancellation.
   */
  subscribe(request: AgentSubscriptionRequest, handler: SubscriptionHandler): () => void;
}

// More than a team watching one plane's components at once; beyond it, ResourceExhausted.
const maxSubscriptionsPerSession = 64;

interface PendingGeneration {
  readonly id: string;
  readonly generation: number;
  readonly partCount: number;
  readonly acked: Set<number>;
  readonly sentMs: number;
}

const applied = new Set(["Applied", "Unchanged"]);

// How long a Release's status write waits for more news of it (see markStatus).
const statusCoalesceMs = 250;
// How many Releases' status writes a session has under way at once.
const statusBatch = 64;

export function createPlaneSession(deps: PlaneSessionDeps, auth: AuthenticatedPlane, hello: Hello): PlaneSession {
  const { store, clock, settings } = deps;
  const plane = auth.plane;
  const id = randomUUID();
  const logger = deps.logger.child({ plane: `${plane.kind}/${plane.namespace}/${plane.name}`, session: id });
  const out = createMessageChannel<ConnectResponse>();
  const startedMs = clock.now();
  // The heartbeat is written at most this often: often enough that any replica's sweeper sees a
  // live agent as live, rarely enough that beats do not turn into store writes.
  const beatWriteMs = Math.max(1, Math.floor(settings.timeoutMs / 3));
  let lastSeenMs = startedMs;
  let lastBeatWriteMs = startedMs;
  let sequence = 0;
  let ended = false;
  let opened = false;
  let heartbeatTimer: TimerHandle | undefined;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));

  // What the agent holds, as its Hello said and its acks since told.
  const held = new Map<string, HeldRelease>();
  for (const inventory of hello.inventory) {
    held.set(inventory.releaseId, {
      generation: inventory.generation,
      objects: new Map(inventory.objects.filter((o) => o.ref).map((o) => [refKey(o.ref!), o.sha256])),
    });
  }
  /** Per Release: the uid and generation last sent in full (or found already held). */
  const sent = new Map<string, { readonly uid: string; readonly generation: number }>();
  const pending = new Map<string, PendingGeneration>();
  let inFlight = 0;
  const failures = new Map<string, Map<string, { sha256: string; message: string; refused?: boolean }>>();
  const health = new Map<string, Map<string, ObjectHealth>>();
  /** Releases to look at again, in the order they changed. */
  const dirty = new Set<string>();
  /** Releases whose status to write, with when: in the order they were marked, so due times only grow. */
  const statusDue = new Map<string, number>();
  let statusFlush: Promise<void> | undefined;
  /** Ends the wait for the next due write at once (when the session ends). */
  let wakeStatusFlush: (() => void) | undefined;
  const queries = new Map<string, (objects: LiveObject[] | undefined) => void>();
  const subscriptions = createAgentSubscriptions((message) => send(message), maxSubscriptionsPerSession);

  const send = (message: MessageInitShape<typeof ConnectResponseSchema>["message"]) => {
    const response = create(ConnectResponseSchema, { message });
    deps.metrics.sent(plane, response);
    out.push(response);
  };

  const desired = (releaseId: string): Release | undefined => {
    const key = parseReleaseId(releaseId);
    const release = key && (deps.releases.get(key.namespace, key.name) as Release | undefined);
    return release && releaseIsForPlane(release, plane) && !release.metadata?.deletionTimestamp ? release : undefined;
  };
  const mapOf = <V>(maps: Map<string, Map<string, V>>, releaseId: string): Map<string, V> => {
    let map = maps.get(releaseId);
    if (!map) maps.set(releaseId, (map = new Map()));
    return map;
  };
  const forget = (releaseId: string) => {
    held.delete(releaseId);
    sent.delete(releaseId);
    failures.delete(releaseId);
    health.delete(releaseId);
    for (const [key, p] of pending) {
      if (p.id !== releaseId) continue;
      inFlight -= p.partCount - p.acked.size;
      pending.delete(key);
    }
  };

  /** Sends what the agent lacks, Release by Release in the order they changed, within the window. */
  const pump = () => {
    for (const releaseId of dirty) {
      if (ended) return;
      const release = desired(releaseId);
      if (!release) {
        const generation = sent.get(releaseId)?.generation ?? held.get(releaseId)?.generation ?? 0;
        if (held.has(releaseId) || sent.has(releaseId)) send({ case: "releaseDeletion", value: { releaseId, generation } });
        forget(releaseId);
        dirty.delete(releaseId);
        continue;
      }
      const generation = release.metadata?.generation ?? 0;
      const uid = release.metadata?.uid ?? "";
      const last = sent.get(releaseId);
      if (last?.uid === uid && last.generation === generation) {
        dirty.delete(releaseId);
        continue;
      }
      const objects = desiredObjects(release);
      const plan = planRelease({
        releaseId,
        generation,
        objects,
        held: held.get(releaseId),
        interval: release.spec?.interval ?? "",
        progressingInterval: release.spec?.progressingInterval ?? "",
        maxMessageBytes: settings.maxMessageBytes,
      });
      // A Release's parts go together: the agent applies only once it has them all, so holding
      // back a part of a started Release could never be acknowledged. A Release larger than the
      // whole window goes alone.
      if (inFlight > 0 && inFlight + plan.parts.length > settings.maxInFlight) return;
      dirty.delete(releaseId);
      sent.set(releaseId, { uid, generation });
      for (const o of plan.tooLarge) {
        mapOf(failures, releaseId).set(o.key, {
          sha256: o.sha256,
          message: `manifest of ${o.manifest.length} bytes does not fit the agent message limit of ${settings.maxMessageBytes} bytes`,
        });
      }
      if (plan.parts.length > 0) {
        pending.set(`${releaseId}#${generation}`, { id: releaseId, generation, partCount: plan.parts.length, acked: new Set(), sentMs: clock.now() });
        inFlight += plan.parts.length;
        for (const part of plan.parts) send({ case: "release", value: part });
      }
      markStatus(releaseId);
    }
  };

  /**
   * A Release's status is written a moment after the first news that changes it, with everything
   * heard by then: an agent acks a Release and reports its objects' first health a few
   * milliseconds apart, and each write wakes the binding, its endpoints and the roll-ups above.
   */
  const markStatus = (releaseId: string) => {
    if (!statusDue.has(releaseId)) statusDue.set(releaseId, clock.now() + statusCoalesceMs);
    statusFlush ??= (async () => {
      while (statusDue.size > 0) {
        const [, due] = statusDue.entries().next().value as [string, number];
        const wait = due - clock.now();
        if (wait > 0 && !ended) {
          await new Promise<void>((resolve) => {
            const timer = clock.setTimer(() => resolve(), wait);
            wakeStatusFlush = () => (clock.cancelTimer(timer), resolve());
          });
          wakeStatusFlush = undefined;
          continue;
        }
        // Every Release due by now at once: their writes share a commit (and its sync to disk)
        // instead of each waiting for the last one's.
        const now = clock.now();
        const batch: string[] = [];
        for (const [releaseId, at] of statusDue) {
          if ((at > now && !ended) || batch.length >= statusBatch) break;
          batch.push(releaseId);
        }
        for (const releaseId of batch) statusDue.delete(releaseId);
        await Promise.all(batch.map((releaseId) => writeReleaseStatus(releaseId).catch((err: unknown) => logger.warn({ err, release: releaseId }, "writing release status failed"))));
      }
      statusFlush = undefined;
    })();
  };

  const syncState = (releaseId: string) => ({
    held: held.get(releaseId),
    failures: failures.get(releaseId) ?? new Map(),
    health: health.get(releaseId) ?? new Map(),
    awaitingAck: [...pending.values()].some((p) => p.id === releaseId),
  });

  // The session's plane as the Release controller sees it while this session lives: its agent connected.
  const planeView: PlaneView = {
    kind: plane.kind,
    name: plane.name,
    exists: true,
    agent: create(PlaneAgentStatusSchema, { connected: true, sessionId: id, agentVersion: hello.agentVersion, driver: hello.driver, capabilities: hello.capabilities }),
  };

  /**
   * What the session knows of a Release, into its status: the agent's sync state and, while the
   * session lives, the conditions the Release controller would decide from it, in the same write
   * (the controller would otherwise follow each of these writes with one of its own; it still has
   * the last word, as it reconciles after each).
   */
  const withSessionStatus = (release: Release, status: ReleaseStatus, releaseId: string) => {
    withSyncStatus(status, desiredObjects(release), syncState(releaseId));
    if (!ended) withConditions(status, releaseStatusConditions({ ...release, status }, planeView), release.metadata?.generation ?? 0, clock.now());
  };

  const writeReleaseStatus = async (releaseId: string) => {
    const cached = desired(releaseId);
    if (!cached) return;
    // Most calls change nothing: decide that from the cache, without a read.
    const candidate = cached.status ? clone(ReleaseStatusSchema, cached.status) : create(ReleaseStatusSchema);
    withSessionStatus(cached, candidate, releaseId);
    if (cached.status && messageEquals(ReleaseStatusSchema, cached.status, candidate)) return;
    // Written as decided from the cache, at the cached resourceVersion: no read and no copy of the
    // Release's manifests. Only when the cache was behind (Conflict) is the Release read again.
    try {
      await store.updateStatus(ReleaseSchema, { ...cached, status: candidate });
      return;
    } catch (err) {
      if (isNotFoundError(err)) return;
      if (!isConflictError(err)) throw err;
    }
    const key = parseReleaseId(releaseId)!;
    await updateStatus(store, ReleaseSchema, key, (release) => {
      if (release.metadata?.uid !== cached.metadata?.uid || !releaseIsForPlane(release, plane)) return false;
      release.status ??= create(ReleaseStatusSchema);
      withSessionStatus(release, release.status, releaseId);
      return true;
    });
  };

  const writeAgent = (mutate: (agent: PlaneObject["status"] & object) => boolean) =>
    updateStatus(store, planeSchema(plane.kind), plane, (object) => {
      const planeObject = object as PlaneObject;
      planeObject.status ??= create(planeSchema(plane.kind).field.status!.message!) as never;
      return mutate(planeObject.status!);
    });

  const onAck = (ack: ReleaseAck) => {
    const key = `${ack.releaseId}#${ack.generation}`;
    const p = pending.get(key);
    if (p && ack.part >= 0 && ack.part < p.partCount && !p.acked.has(ack.part)) {
      p.acked.add(ack.part);
      inFlight--;
    }
    const release = desired(ack.releaseId);
    if (release) {
      let h = held.get(ack.releaseId);
      if (!h) held.set(ack.releaseId, (h = { generation: 0, objects: new Map() }));
      const shas = new Map(desiredObjects(release).map((o) => [o.key, o.sha256]));
      for (const result of ack.results) {
        if (!result.ref) continue;
        const objectKey = refKey(result.ref);
        const sha256 = result.sha256 || shas.get(objectKey) || "";
        if (applied.has(result.outcome)) {
          h.objects.set(objectKey, sha256);
          failures.get(ack.releaseId)?.delete(objectKey);
        } else if (result.outcome === "Pruned") {
          h.objects.delete(objectKey);
        } else if (result.outcome === "Failed" || result.outcome === "Refused") {
          // Refused: the agent's own limits keep the object out of its plane (the plane is not the object's).
          h.objects.delete(objectKey);
          mapOf(failures, ack.releaseId).set(objectKey, { sha256, message: result.message || "failed to apply", refused: result.outcome === "Refused" });
        }
      }
      if (p && p.acked.size === p.partCount) {
        pending.delete(key);
        deps.metrics.acked(plane.kind, (clock.now() - p.sentMs) / 1000);
        h.generation = p.generation;
        // An older generation still in flight was superseded: the agent need not answer for it.
        for (const [otherKey, other] of pending) {
          if (other.id === p.id && other.generation !== p.generation) {
            inFlight -= other.partCount - other.acked.size;
            pending.delete(otherKey);
          }
        }
      }
      markStatus(ack.releaseId);
    } else if (p && p.acked.size === p.partCount) {
      pending.delete(key);
    }
    pump();
  };

  const onStatus = (report: StatusReport) => {
    if (!desired(report.releaseId)) return;
    const map = mapOf(health, report.releaseId);
    for (const o of report.objects) {
      if (!o.ref) continue;
      let status: JsonObject | undefined;
      try {
        const parsed: unknown = o.status.length ? JSON.parse(new TextDecoder().decode(o.status)) : undefined;
        status = isJsonObject(parsed) ? parsed : undefined;
      } catch {
        status = undefined;
      }
      map.set(refKey(o.ref), {
        health: o.health || "Unknown",
        message: o.message,
        status,
        observedMs: o.observedTime ? timestampMs(o.observedTime) : clock.now(),
      });
    }
    markStatus(report.releaseId);
  };

  /**
   * A report's events of one Release with the same type and reason become one Event, their messages
   * joined: applying a Release reports each of its objects Applied, which would be an Event write
   * per object.
   */
  const onEvents = async (report: EventReport) => {
    const grouped = new Map<string, { release: Release; type: "Warning" | "Normal"; reason: string; messages: string[] }>();
    for (const event of report.events) {
      const release = desired(event.releaseId);
      if (!release) continue;
      const ref = event.involved;
      const what = ref ? `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}` : "plane";
      const type = event.type === "Warning" ? "Warning" : "Normal";
      const reason = event.reason || "PlaneEvent";
      const key = `${event.releaseId}\n${type}\n${reason}`;
      let group = grouped.get(key);
      if (!group) grouped.set(key, (group = { release, type, reason, messages: [] }));
      group.messages.push(`${what}: ${event.message}`);
    }
    for (const { release, type, reason, messages } of grouped.values()) {
      await deps.events.record(release as ResourceObject, type, reason, messages.join("; "));
    }
  };

  const onLog = async (chunk: LogChunk) => {
    const build = parseReleaseId(chunk.buildId);
    // Builds run on build planes, and a plane serves only its own organization.
    if (plane.kind !== "BuildPlane" || build?.namespace !== plane.namespace) {
      logger.warn({ build: chunk.buildId }, "log chunk for a build outside this plane dropped");
      return;
    }
    try {
      if (chunk.data.length > 0) await deps.logStore.append(chunk.buildId, chunk.offset, chunk.data);
      if (chunk.eof) await deps.logStore.complete(chunk.buildId);
    } catch (err) {
      // A log already complete: the agent resends after a reconnect; nothing is lost.
      if (!isFailedPreconditionError(err)) throw err;
    }
  };

  const handle = async (request: ConnectRequest) => {
    if (subscriptions.route(request)) return;
    const message = request.message;
    switch (message.case) {
      case "ack":
        return onAck(message.value);
      case "status":
        return onStatus(message.value);
      case "events":
        return onEvents(message.value);
      case "log":
        return onLog(message.value);
      case "liveObjects": {
        const answer = queries.get(message.value.queryId);
        queries.delete(message.value.queryId);
        return answer?.(message.value.objects);
      }
      case "heartbeat":
      case "hello":
      case "logBatch":
      case "resourceTree":
      case "subscriptionEnd":
      case undefined:
        return;
    }
  };

  const beat = () => {
    lastSeenMs = clock.now();
    if (lastSeenMs - lastBeatWriteMs < beatWriteMs) return;
    lastBeatWriteMs = lastSeenMs;
    const at = timestampFromMs(lastSeenMs);
    writeAgent((status) => {
      if (status.agent?.sessionId !== id) {
        session.end(undefined, "replaced");
        return false;
      }
      status.agent.lastHeartbeatTime = at;
      return true;
    }).catch((err: unknown) => logger.warn({ err }, "writing the heartbeat failed"));
  };

  const scheduleHeartbeat = () => {
    heartbeatTimer = clock.setTimer(() => {
      if (ended) return;
      send({ case: "heartbeat", value: { sentTime: timestampFromMs(clock.now()), sequence: ++sequence } });
      scheduleHeartbeat();
    }, settings.heartbeatMs);
  };

  const session: PlaneSession = {
    id,
    plane,
    auth,
    get lastSeenMs() {
      return lastSeenMs;
    },
    seenInStatus: false,
    finished,

    async open() {
      const now = timestampFromMs(clock.now());
      const written = await writeAgent((status) => {
        status.agent = create(PlaneAgentStatusSchema, {
          connected: true,
          sessionId: id,
          agentVersion: hello.agentVersion,
          driver: hello.driver,
          capabilities: hello.capabilities,
          connectedTime: now,
          lastHeartbeatTime: now,
          serverId: deps.serverId,
        });
        return true;
      });
      if (!written) throw new NotFoundError(`${plane.kind} ${plane.namespace}/${plane.name} not found`);
      opened = true;
      deps.metrics.sessionOpened(plane);
      logger.info({ agentVersion: hello.agentVersion, driver: hello.driver, inventory: hello.inventory.length }, "plane agent connected");
    },

    serve(requests) {
      send({
        case: "welcome",
        value: {
          sessionId: id,
          heartbeatIntervalSeconds: Math.max(1, Math.round(settings.heartbeatMs / 1000)),
          maxInFlight: settings.maxInFlight,
          maxMessageBytes: settings.maxMessageBytes,
        },
      });
      for (const release of deps.releases.list(plane)) dirty.add(`${release.metadata?.namespace}/${release.metadata?.name}`);
      for (const releaseId of held.keys()) dirty.add(releaseId);
      pump();
      scheduleHeartbeat();
      void (async () => {
        try {
          for (;;) {
            const next = await requests.next();
            if (next.done) break;
            // The limit told to the agent in its Welcome holds both ways (the server's own limit is larger).
            const bytes = deps.metrics.received(plane, next.value);
            if (bytes > settings.maxMessageBytes) {
              throw new ResourceExhaustedError(`a ${next.value.message.case ?? "message"} of ${bytes} bytes is over the agent message limit of ${settings.maxMessageBytes} bytes`);
            }
            beat();
            await handle(next.value);
          }
          session.end(undefined, "stream closed");
        } catch (err) {
          session.end(ended ? undefined : (err as Error), "stream closed");
        }
      })();
      return out;
    },

    releaseChanged(releaseId) {
      if (ended) return;
      dirty.add(releaseId);
      pump();
    },

    end(error, reason) {
      if (ended) return;
      ended = true;
      if (opened) deps.metrics.sessionClosed(plane);
      if (heartbeatTimer) clock.cancelTimer(heartbeatTimer);
      for (const answer of queries.values()) answer(undefined);
      queries.clear();
      subscriptions.endAll(new AgentUnavailableError(`the agent of ${plane.kind} ${plane.name} disconnected (${reason})`));
      out.close(error);
      logger.info({ reason }, "plane agent session ended");
      // A replaced session leaves the status to its successor.
      const replaced = reason === "replaced" || isSessionReplacedError(error);
      const final = replaced
        ? Promise.resolve()
        : writeAgent((status) => {
            if (status.agent?.sessionId !== id) return false;
            status.agent.connected = false;
            status.agent.disconnectedTime = timestampFromMs(clock.now());
            status.agent.disconnectReason = reason;
            return true;
          }).then(() => undefined);
      wakeStatusFlush?.();
      void Promise.all([final, statusFlush])
        .catch((err: unknown) => logger.warn({ err }, "recording the end of the session failed"))
        .then(resolveFinished);
    },

    capabilities: hello.capabilities,

    subscribe(request, handler) {
      if (ended) throw new AgentUnavailableError(`the agent of ${plane.kind} ${plane.name} disconnected`);
      return subscriptions.open(request, handler);
    },

    queryLive(kind, namespace, timeoutMs) {
      if (ended) return Promise.resolve(undefined);
      const queryId = randomUUID();
      return new Promise((resolve) => {
        const timer = clock.setTimer(() => {
          queries.delete(queryId);
          resolve(undefined);
        }, timeoutMs);
        queries.set(queryId, (objects) => {
          clock.cancelTimer(timer);
          resolve(objects);
        });
        send({ case: "liveObjectsQuery", value: { queryId, kind, namespace } });
      });
    },
  };
  return session;
}
