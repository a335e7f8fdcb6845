import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import { ConnectRequestSchema, type ConnectRequest, type ConnectResponse, type Hello } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import type { PlaneAgentStatus } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { PlaneCredentialSchema, PlaneCredentialStatusSchema, type PlaneCredential } from "../../gen/openchoreo/model/v1alpha1/plane_credential_pb.js";
import { ReleaseSchema, type Release } from "../../gen/openchoreo/model/v1alpha1/release_pb.js";
import type { EventRecorder } from "../controllers/index.js";
import type { Clock, Informer, ResourceEvent, TimerHandle } from "../core/index.js";
import { FailedPreconditionError, InvalidSpecError, isNotFoundError, NotFoundError, PermissionDeniedError } from "../errors/index.js";
import type { JsonObject } from "../model/index.js";
import type { LogStore, ResourceStore } from "../store/index.js";
import { createComponentLogStreams, type ComponentLogBatch, type ComponentLogQuery } from "./component-log-streams.js";
import { desiredObjects } from "./desired-objects.js";
import type { PlaneAgentMetrics } from "./plane-agent-metrics.js";
import type { PlaneAgentSettings } from "./plane-agent-settings.js";
import { createPlaneCredentials, credentialAccepts, type AuthenticatedPlane, type PlaneCredentials } from "./plane-credentials.js";
import { AgentUnavailableError, HeartbeatTimeoutError, SessionReplacedError, UnauthenticatedError } from "./plane-errors.js";
import { planeKey, planeKinds, planeReleaseSelector, planeSchema, releaseId, releaseIsForPlane, type PlaneObject, type PlaneRef } from "./plane-ref.js";
import { createPlaneSession, type PlaneSession } from "./plane-session.js";
import { createResourceTreeWatches, type ResourceTreeQuery } from "./resource-tree-watches.js";
import type { ResourceTreeNode } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { updateStatus } from "./update-status.js";

export interface PlaneAgentHubDeps {
  readonly store: ResourceStore;
  /**
   * What Register, Rotate and Revoke write the credentials through: the API's audited store, so
   * each issue, replacement and revocation is recorded with who asked. The plain store when absent.
   */
  readonly credentialStore?: ResourceStore;
  /** Shared informers (the manager's): Releases, planes and credentials are watched once per replica. */
  readonly informers: { informerFor(schema: typeof ReleaseSchema | typeof PlaneCredentialSchema | ReturnType<typeof planeSchema>): Informer };
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: EventRecorder;
  readonly logStore: LogStore;
  readonly settings: PlaneAgentSettings;
  /** Names this replica in plane status. */
  readonly serverId: string;
  readonly metrics: PlaneAgentMetrics;
}

/** An object live in a plane, as its agent reported it (or, without an agent, as last known). */
export interface LiveObjectView {
  readonly releaseId: string;
  readonly object: JsonObject;
  readonly health: string;
  readonly observedMs: number | undefined;
}

/**
 * The control-plane side of PlaneAgentService on one replica: authenticates agents, runs their
 * sessions, and keeps plane status honest for agents on any replica (a sweeper marks planes whose
 * agent fell silent, including those whose replica died).
 */
export interface PlaneAgentHub {
  readonly credentials: PlaneCredentials;
  /** One agent stream: the bearer token decides the plane; the first request must be a Hello. */
  connect(token: string | undefined, requests: AsyncIterable<ConnectRequest>, signal: AbortSignal): AsyncIterable<ConnectResponse>;
  /** The plane's live objects: asked of its agent when its session is on this replica, else the last known state. */
  liveObjects(plane: PlaneRef, filter: { kind: string; namespace: string }): Promise<{ objects: LiveObjectView[]; agentConnected: boolean }>;
  /**
   * Container logs read by the plane's agent (its session must be on this replica): AgentUnavailableError
   * without one, AgentFeatureMissingError when it cannot read logs. Followers asking the same share a read.
   */
  streamLogs(plane: PlaneRef, query: ComponentLogQuery, signal: AbortSignal): AsyncIterable<ComponentLogBatch>;
  /** A Release's live object tree, pushed by the plane's agent on change; errors as streamLogs. */
  watchResourceTree(plane: PlaneRef, query: ResourceTreeQuery, signal: AbortSignal): AsyncIterable<readonly ResourceTreeNode[]>;
  /** Watches the credentials, planes and Releases; resolves once their caches are synced. */
  start(): Promise<void>;
  /** Ends every session (recording them disconnected) and stops the sweeper. */
  close(): Promise<void>;
}

const liveQueryTimeoutMs = 5000;

export function createPlaneAgentHub(deps: PlaneAgentHubDeps): PlaneAgentHub {
  const { store, clock, settings } = deps;
  const logger = deps.logger.child({ component: "plane-agents" });
  const sessions = new Map<string, PlaneSession>();
  const opening = new Map<string, Promise<unknown>>();
  const credentialInformer = deps.informers.informerFor(PlaneCredentialSchema);
  const releaseInformer = deps.informers.informerFor(ReleaseSchema);
  const planeInformers = planeKinds.map((kind) => ({ kind, informer: deps.informers.informerFor(planeSchema(kind)) }));
  const credentials = createPlaneCredentials({ store: deps.credentialStore ?? store, clock, cached: () => credentialInformer.cache.list() as PlaneCredential[] });
  const unsubscribe: (() => void)[] = [];
  // Checked often enough that a revoked or expired credential, or a silent agent, is noticed within a second or so.
  const sweepMs = Math.max(50, Math.min(1000, settings.heartbeatMs, Math.floor(settings.timeoutMs / 4)));
  let sweepTimer: TimerHandle | undefined;
  let closed = false;
  const logStreams = createComponentLogStreams();
  const treeWatches = createResourceTreeWatches();

  /** The plane's session on this replica, for a call that needs its agent now. */
  const liveSession = async (plane: PlaneRef): Promise<PlaneSession> => {
    const session = sessions.get(planeKey(plane));
    if (session) return session;
    let agent: PlaneAgentStatus | undefined;
    try {
      agent = ((await store.get(planeSchema(plane.kind), plane)) as PlaneObject).status?.agent;
    } catch (err) {
      if (isNotFoundError(err)) throw new NotFoundError(`${plane.kind} ${plane.namespace}/${plane.name} not found`);
      throw err;
    }
    const where = agent?.connected ? ` (it is connected to server ${agent.serverId}; ask that one)` : "";
    throw new AgentUnavailableError(`no agent of ${plane.kind} ${plane.name} is connected to this server${where}`);
  };

  const releases = {
    get: (namespace: string, name: string) => releaseInformer.cache.get(namespace, name),
    list: (plane: PlaneRef) => releaseInformer.cache.list({ namespace: plane.namespace, selector: planeReleaseSelector(plane) }),
  };
  const sessionDeps = { store, clock, logger: deps.logger, events: deps.events, logStore: deps.logStore, settings, serverId: deps.serverId, metrics: deps.metrics, releases };

  const onRelease = (event: ResourceEvent) => {
    const objects = event.type === "update" ? [event.object, event.old] : [event.object];
    const id = releaseId(event.object.metadata?.namespace ?? "", event.object.metadata?.name ?? "");
    const notified = new Set<PlaneSession>();
    for (const session of sessions.values()) {
      if (notified.has(session) || !objects.some((o) => releaseIsForPlane(o, session.plane))) continue;
      notified.add(session);
      session.releaseChanged(id);
    }
  };

  const verifying = new WeakSet<PlaneSession>();
  /**
   * Ends a session whose credential no longer accepts its token. A cache or event that says so may be
   * older than the token (a registration a moment ago), so the store has the last word.
   */
  const checkCredential = (session: PlaneSession, credential: PlaneCredential | undefined) => {
    if (credential && credentialAccepts(credential, session.auth.tokenSha256, clock.now())) return;
    if (verifying.has(session)) return;
    verifying.add(session);
    const key = { namespace: session.plane.namespace, name: session.auth.credentialName };
    void store
      .get(PlaneCredentialSchema, key)
      .catch((err: unknown) => {
        if (isNotFoundError(err)) return undefined;
        throw err;
      })
      .then((current) => {
        if (current && credentialAccepts(current, session.auth.tokenSha256, clock.now())) return;
        const reason = !current ? "credential deleted" : current.spec?.revoked ? "credential revoked" : "credential replaced or expired";
        session.end(new UnauthenticatedError(`the plane credential is no longer valid (${reason})`), reason);
      })
      .catch((err: unknown) => logger.warn({ err, plane: session.plane }, "checking a plane credential failed"))
      .finally(() => verifying.delete(session));
  };

  const onCredential = (event: ResourceEvent) => {
    const credential = event.object as PlaneCredential;
    for (const session of sessions.values()) {
      if (session.auth.credentialName !== credential.metadata?.name || session.plane.namespace !== credential.metadata?.namespace) continue;
      checkCredential(session, event.type === "delete" ? undefined : credential);
    }
  };

  const onPlane = (kind: PlaneRef["kind"]) => (event: ResourceEvent) => {
    const object = event.object as PlaneObject;
    const session = sessions.get(planeKey({ kind, namespace: object.metadata?.namespace ?? "", name: object.metadata?.name ?? "" }));
    if (!session) return;
    if (event.type === "delete") {
      session.end(new FailedPreconditionError(`${kind} ${session.plane.namespace}/${session.plane.name} was deleted`), "plane deleted");
      return;
    }
    const current = object.status?.agent?.sessionId;
    if (current === session.id) session.seenInStatus = true;
    // Before the session has seen itself in the status, a different id there is an older write.
    else if (current && session.seenInStatus) replace(session);
  };

  const replace = (session: PlaneSession) =>
    session.end(new SessionReplacedError(`a newer session of ${session.plane.kind} ${session.plane.name} replaced this one`), "replaced");

  const sweep = () => {
    const now = clock.now();
    for (const session of sessions.values()) {
      if (now - session.lastSeenMs > settings.timeoutMs) {
        session.end(new HeartbeatTimeoutError(`no message from the agent for ${settings.timeoutMs} ms`), "heartbeat timeout");
        continue;
      }
      const name = session.auth.credentialName;
      checkCredential(session, credentialInformer.cache.get(session.plane.namespace, name) as PlaneCredential | undefined);
    }
    // Agents whose session is on another replica, or on one that died: only their heartbeats tell.
    for (const { kind, informer } of planeInformers) {
      for (const object of informer.cache.list() as PlaneObject[]) {
        const agent = object.status?.agent;
        if (!agent?.connected || !agent.lastHeartbeatTime || timestampMs(agent.lastHeartbeatTime) + settings.timeoutMs > now) continue;
        const plane = { kind, namespace: object.metadata?.namespace ?? "", name: object.metadata?.name ?? "" };
        if (sessions.get(planeKey(plane))?.id === agent.sessionId) continue;
        void markSilent(plane, agent.sessionId ?? "", now).catch((err: unknown) => logger.warn({ err, plane }, "marking a silent agent failed"));
      }
    }
    if (!closed) sweepTimer = clock.setTimer(sweep, sweepMs);
  };

  const markSilent = (plane: PlaneRef, sessionId: string, now: number) =>
    updateStatus(store, planeSchema(plane.kind), plane, (object) => {
      const agent = (object as PlaneObject).status?.agent;
      if (!agent?.connected || agent.sessionId !== sessionId || !agent.lastHeartbeatTime) return false;
      if (timestampMs(agent.lastHeartbeatTime) + settings.timeoutMs > now) return false;
      agent.connected = false;
      agent.disconnectedTime = timestampFromMs(now);
      agent.disconnectReason = "heartbeat timeout";
      return true;
    });

  const firstMessage = async (requests: AsyncIterator<ConnectRequest>, signal: AbortSignal): Promise<Hello> => {
    let timer: TimerHandle | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const next = await Promise.race([
        requests.next(),
        new Promise<never>((_, reject) => {
          timer = clock.setTimer(() => reject(new HeartbeatTimeoutError(`no Hello within ${settings.timeoutMs} ms`)), settings.timeoutMs);
          onAbort = () => reject(signal.reason);
          signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
      if (next.done || next.value.message.case !== "hello") {
        throw new InvalidSpecError([{ path: "hello", message: "the first message of a stream must be a Hello" }]);
      }
      return next.value.message.value;
    } finally {
      if (timer) clock.cancelTimer(timer);
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  };

  /**
   * The credential's lastUsedTime, once per session (not per heartbeat: a credential is "used" when
   * it opens a stream). Not awaited: the session does not wait for a bookkeeping write.
   */
  const recordUse = (auth: AuthenticatedPlane) => {
    const at = timestampFromMs(clock.now());
    updateStatus(store, PlaneCredentialSchema, { namespace: auth.plane.namespace, name: auth.credentialName }, (credential) => {
      credential.status ??= create(PlaneCredentialStatusSchema);
      credential.status.lastUsedTime = at;
      return true;
    }).catch((err: unknown) => logger.warn({ err, plane: auth.plane }, "recording the credential's last use failed"));
  };

  /** Opens a session after any earlier connect of the same plane on this replica, so the newest wins. */
  const open = (auth: AuthenticatedPlane, hello: Hello): Promise<PlaneSession> => {
    const key = planeKey(auth.plane);
    const previous = opening.get(key) ?? Promise.resolve();
    const opened = previous.catch(() => undefined).then(async () => {
      const session = createPlaneSession(sessionDeps, auth, hello);
      await session.open();
      const older = sessions.get(key);
      sessions.set(key, session);
      if (older) replace(older);
      recordUse(auth);
      void session.finished.then(() => {
        if (sessions.get(key) === session) sessions.delete(key);
      });
      return session;
    });
    opening.set(key, opened);
    void opened.catch(() => undefined).then(() => {
      if (opening.get(key) === opened) opening.delete(key);
    });
    return opened;
  };

  async function* connect(token: string | undefined, requests: AsyncIterable<ConnectRequest>, signal: AbortSignal): AsyncIterable<ConnectResponse> {
    if (closed) throw new FailedPreconditionError("the server is shutting down");
    const auth = await credentials.authenticate(token);
    const iterator = requests[Symbol.asyncIterator]();
    const hello = await firstMessage(iterator, signal);
    deps.metrics.received(auth.plane, create(ConnectRequestSchema, { message: { case: "hello", value: hello } }));
    if (hello.planeKind !== auth.plane.kind || hello.planeName !== auth.plane.name) {
      throw new PermissionDeniedError(
        `the credential is for ${auth.plane.kind} ${auth.plane.name}; the Hello names ${hello.planeKind || "no kind"} ${hello.planeName || "no name"}`,
      );
    }
    const session = await open(auth, hello);
    const onAbort = () => session.end(undefined, signal.reason instanceof Error && /shutting down/.test(signal.reason.message) ? "server shutting down" : "stream closed");
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      yield* session.serve(iterator);
    } finally {
      signal.removeEventListener("abort", onAbort);
      session.end(undefined, "stream closed");
    }
  }

  return {
    credentials,
    connect,

    async liveObjects(plane, filter) {
      try {
        await store.get(planeSchema(plane.kind), plane);
      } catch (err) {
        if (isNotFoundError(err)) throw new NotFoundError(`${plane.kind} ${plane.namespace}/${plane.name} not found`);
        throw err;
      }
      const wanted = (object: JsonObject) => {
        const meta = (object.metadata ?? {}) as JsonObject;
        return (!filter.kind || object.kind === filter.kind) && (!filter.namespace || meta.namespace === filter.namespace);
      };
      const session = sessions.get(planeKey(plane));
      const reported = await session?.queryLive(filter.kind, filter.namespace, liveQueryTimeoutMs);
      if (reported) {
        const objects: LiveObjectView[] = [];
        for (const live of reported) {
          let object: unknown;
          try {
            object = JSON.parse(new TextDecoder().decode(live.object));
          } catch {
            continue;
          }
          if (object && typeof object === "object" && !Array.isArray(object) && wanted(object as JsonObject)) {
            objects.push({ releaseId: live.releaseId, object: object as JsonObject, health: live.health || "Unknown", observedMs: clock.now() });
          }
        }
        return { objects, agentConnected: true };
      }
      // No agent here to ask: what the Releases want, with the health their status last recorded.
      const objects: LiveObjectView[] = [];
      for (const release of releases.list(plane) as Release[]) {
        const status = new Map((release.status?.resources ?? []).map((r) => [r.id ?? "", r]));
        for (const o of desiredObjects(release)) {
          if (!wanted(o.json)) continue;
          const recorded = status.get(o.id);
          objects.push({
            releaseId: releaseId(release.metadata?.namespace ?? "", release.metadata?.name ?? ""),
            object: recorded?.status ? { ...o.json, status: recorded.status } : o.json,
            health: recorded?.healthStatus || "Unknown",
            observedMs: recorded?.lastObservedTime ? timestampMs(recorded.lastObservedTime) : undefined,
          });
        }
      }
      return { objects, agentConnected: false };
    },

    async *streamLogs(plane, query, signal) {
      yield* logStreams.stream(await liveSession(plane), query, signal);
    },

    async *watchResourceTree(plane, query, signal) {
      yield* treeWatches.watch(await liveSession(plane), query, signal);
    },

    async start() {
      unsubscribe.push(releaseInformer.addEventHandler(onRelease));
      unsubscribe.push(credentialInformer.addEventHandler(onCredential));
      for (const { kind, informer } of planeInformers) unsubscribe.push(informer.addEventHandler(onPlane(kind)));
      const informers = [releaseInformer, credentialInformer, ...planeInformers.map((p) => p.informer)];
      for (const informer of informers) informer.start();
      const synced = await Promise.all(informers.map((i) => i.waitForSync()));
      if (!synced.every(Boolean)) throw new FailedPreconditionError("the plane agent caches did not sync");
      sweepTimer = clock.setTimer(sweep, sweepMs);
    },

    async close() {
      closed = true;
      if (sweepTimer) clock.cancelTimer(sweepTimer);
      for (const off of unsubscribe.splice(0)) off();
      const ending = [...sessions.values()];
      for (const session of ending) session.end(undefined, "server shutting down");
      await Promise.all(ending.map((s) => s.finished));
    },
  };
}
