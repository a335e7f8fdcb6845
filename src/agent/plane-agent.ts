import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import {
  ConnectRequestSchema,
  HelloSchema,
  LiveObjectSchema,
  ObjectStatusSchema,
  PlaneAgentService,
  type ConnectRequest,
  type ConnectResponse,
  type ObjectStatus,
  type PlaneEvent,
  type Welcome,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { createBackoff } from "./backoff.js";
import { createBuildLogBuffer } from "./build-log-buffer.js";
import { createByteBudget } from "./byte-budget.js";
import { createLogSubscriptions, type LogSubscriptions } from "./log-subscriptions.js";
import { createTreeSubscriptions, type TreeSubscriptions } from "./tree-subscriptions.js";
import type { BuildLogChunk, ObjectHealth, PlaneDriver, PlaneObjectRef } from "./driver.js";
import { chunkBySize } from "./chunk-by-size.js";
import { refKey } from "./object-ref.js";
import { createOutbox, type Outbox } from "./outbox.js";
import { parseDuration } from "../model/parse-duration.js";
import { createPlaneGuard, type PlaneGuard } from "./plane-guard.js";
import { toProtoRef } from "./proto-ref.js";
import { createReleaseApplier, type ApplyReport } from "./release-applier.js";

export type PlaneKind = "DataPlane" | "BuildPlane";

export interface PlaneAgentOptions {
  /** The control plane, "http://host:port" (h2c) or "https://host:port" (TLS). */
  readonly server: string;
  readonly planeName: string;
  readonly planeKind: PlaneKind;
  readonly agentVersion: string;
  /** Read before every connection, so a rotated credential is picked up without a restart. */
  readonly credential: () => Promise<string>;
  readonly driver: PlaneDriver;
  /** What the plane may receive; the plane kind's defaults (createPlaneGuard) when absent. */
  readonly guard?: PlaneGuard;
  readonly logger: Logger;
  readonly reconnect?: {
    /** First ceiling of the jittered delay (500 ms); it doubles up to maxMs (30 s). */
    readonly initialMs?: number;
    readonly maxMs?: number;
    /** A session welcomed and lasting this long (10 s) resets the backoff. */
    readonly stableSessionMs?: number;
    readonly random?: () => number;
  };
  /**
   * What component logs (`choreoctl logs`) may send, in bytes per second (1 MiB when absent): they go
   * after heartbeats, acks and status, and never faster than this.
   */
  readonly logBytesPerSecond?: number;
  /** Build logs kept for resending after a reconnect: 8 MiB per build, finished builds for an hour. */
  readonly buildLogs?: { readonly maxBytesPerBuild?: number; readonly retainMs?: number };
  readonly now?: () => number;
}

export interface PlaneAgent {
  /** Starts the driver (removing what a crash left) and connects; reconnects until stopped. */
  start(): Promise<void>;
  /** Closes the stream and the driver. */
  stop(): Promise<void>;
}

interface Session {
  readonly abort: AbortController;
  readonly outbox: Outbox<ConnectRequest>;
  /** Component log reads and object tree watches the control plane opened on this session. */
  readonly logs: LogSubscriptions;
  readonly trees: TreeSubscriptions;
  welcome?: Welcome;
  lastReceived: number;
  heartbeat?: NodeJS.Timeout;
  sequence: number;
  busy: boolean;
}

type Request = MessageInitShape<typeof ConnectRequestSchema>["message"];

const defaultIntervalMs = 5 * 60_000;
const defaultProgressingIntervalMs = 10_000;
// A control plane asking for "0s" would otherwise spin the agent.
const minimumIntervalMs = 100;
// Headroom under Welcome.max_message_bytes for the envelope around a batch of items.
const envelopeBytes = 1024;

/**
 * A plane agent: dials the control plane, says Hello with its inventory, applies the Releases it is
 * sent through its driver, acks per object, and pushes health, events and heartbeats. Everything it
 * does is level-based, so a lost session costs nothing but a resync.
 */
export function createPlaneAgent(options: PlaneAgentOptions): PlaneAgent {
  const { driver, logger, planeName } = options;
  const now = options.now ?? Date.now;
  const stableSessionMs = options.reconnect?.stableSessionMs ?? 10_000;
  const backoff = createBackoff({
    initialMs: options.reconnect?.initialMs ?? 500,
    maxMs: options.reconnect?.maxMs ?? 30_000,
    ...(options.reconnect?.random ? { random: options.reconnect.random } : {}),
  });
  const guard = options.guard ?? createPlaneGuard({ planeKind: options.planeKind });
  const applier = createReleaseApplier({ driver, guard, logger, now });
  const sessionManager = new Http2SessionManager(options.server);
  const client = createClient(PlaneAgentService, createGrpcTransport({ baseUrl: options.server, sessionManager }));
  const buildLogs = createBuildLogBuffer({
    maxBytesPerBuild: options.buildLogs?.maxBytesPerBuild ?? 8 * 1024 * 1024,
    retainMs: options.buildLogs?.retainMs ?? 60 * 60_000,
    now,
  });
  const logBudget = createByteBudget(options.logBytesPerSecond ?? 1024 * 1024, now);
  const rechecks = new Map<string, NodeJS.Timeout>();
  const reported = new Map<string, string>();
  // Reports not sent yet, in order. An object changing twice before they go out starts a new report,
  // so every change (Progressing, then Healthy) reaches the control plane, in order.
  const unsent: { releaseId: string; objects: Map<string, ObjectStatus> }[] = [];
  let current: Session | undefined;
  let stopped = false;
  let wakeSleeper: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let unsubscribeLogs: (() => void) | undefined;
  let statusHeld = 0;
  let flushScheduled = false;

  function send(message: Request): void {
    current?.outbox.push(create(ConnectRequestSchema, { message }));
  }

  function maxBytes(): number {
    return Math.max(envelopeBytes * 2, current?.welcome?.maxMessageBytes || 4 * 1024 * 1024) - envelopeBytes;
  }

  function objectStatus(ref: PlaneObjectRef, health: ObjectHealth): ObjectStatus {
    return create(ObjectStatusSchema, {
      ref: toProtoRef(ref),
      health: health.health,
      message: health.message,
      status: new TextEncoder().encode(JSON.stringify(health.status)),
      observedTime: timestampFromMs(health.observedTime),
    });
  }

  /**
   * Queues a status, sent after the acks being written. A change the driver announces is always sent
   * (an object applied again needs its status for the new generation); a periodic re-check sends only
   * what differs from the last report.
   */
  function noteHealth(ref: PlaneObjectRef, health: ObjectHealth, onlyIfChanged = false): void {
    const releaseId = applier.releaseOf(ref);
    if (!releaseId) return;
    const key = refKey(ref);
    const fingerprint = `${health.health}\n${health.message}\n${JSON.stringify(health.status)}`;
    if (onlyIfChanged && reported.get(key) === fingerprint) return;
    reported.set(key, fingerprint);
    let batch = unsent.findLast((r) => r.releaseId === releaseId);
    if (!batch || batch.objects.has(key)) unsent.push((batch = { releaseId, objects: new Map() }));
    batch.objects.set(key, objectStatus(ref, health));
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushStatus);
    }
  }

  function flushStatus(): void {
    flushScheduled = false;
    if (statusHeld > 0) return;
    for (const { releaseId, objects } of unsent.splice(0)) {
      for (const batch of chunkBySize([...objects.values()], (o) => o.status.length + 200, maxBytes())) {
        send({ case: "status", value: { releaseId, generation: applier.generationOf(releaseId), objects: batch } });
      }
    }
  }

  /** Every object's health, as after a (re)connect when the control plane knows nothing current. */
  function reportAllHealth(): void {
    reported.clear();
    for (const record of applier.inventories()) for (const object of record.objects) noteHealth(object.ref, driver.health(object.ref));
  }

  /** Sends a piece of a build's log in messages under the size limit; eof goes on the last one. */
  function sendLog(chunk: BuildLogChunk): void {
    const size = Math.max(1, maxBytes() - chunk.buildId.length - chunk.step.length);
    for (let start = 0; start < chunk.data.length || (start === 0 && chunk.eof); start += size) {
      const data = chunk.data.subarray(start, start + size);
      const eof = chunk.eof && start + size >= chunk.data.length;
      send({ case: "log", value: { buildId: chunk.buildId, step: chunk.step, offset: chunk.offset + start, data, eof } });
      if (eof) return;
    }
  }

  function sendReport(report: ApplyReport): void {
    for (const ack of report.acks) send({ case: "ack", value: ack });
    sendEvents(report.events);
  }

  function sendEvents(events: PlaneEvent[]): void {
    for (const batch of chunkBySize(events, (e) => e.message.length + 300, maxBytes())) send({ case: "events", value: { events: batch } });
  }

  function scheduleRecheck(releaseId: string): void {
    clearTimeout(rechecks.get(releaseId));
    rechecks.delete(releaseId);
    const record = applier.inventory(releaseId);
    if (!record || stopped) return;
    const progressing = record.objects.some((o) => driver.health(o.ref).health === "Progressing");
    const ms = progressing
      ? (parseDuration(record.progressingInterval) ?? defaultProgressingIntervalMs)
      : (parseDuration(record.interval) ?? defaultIntervalMs);
    const timer = setTimeout(() => {
      rechecks.delete(releaseId);
      applier.correctDrift(releaseId).then(
        (report) => {
          sendReport(report);
          for (const object of applier.inventory(releaseId)?.objects ?? []) noteHealth(object.ref, driver.health(object.ref), true);
          scheduleRecheck(releaseId);
        },
        (err: unknown) => {
          logger.error({ err, release: releaseId }, "drift check failed");
          scheduleRecheck(releaseId);
        },
      );
    }, Math.max(minimumIntervalMs, ms));
    timer.unref();
    rechecks.set(releaseId, timer);
  }

  function hello() {
    return create(HelloSchema, {
      planeName,
      planeKind: options.planeKind,
      agentVersion: options.agentVersion,
      driver: driver.name,
      capabilities: [
        ...driver.capabilities,
        ...(driver.streamLogs ? ["component-logs"] : []),
        ...(driver.watchResourceTree ? ["resource-tree"] : []),
      ],
      inventory: applier.inventories().map((record) => ({
        releaseId: record.releaseId,
        generation: record.generation,
        objects: record.objects.map((o) => ({ ref: toProtoRef(o.ref), sha256: o.sha256 })),
      })),
    });
  }

  async function handle(session: Session, response: ConnectResponse): Promise<void> {
    const message = response.message;
    switch (message.case) {
      case "welcome": {
        session.welcome = message.value;
        logger.info({ plane: planeName, session: message.value.sessionId }, "connected to the control plane");
        const intervalMs = Math.max(1, message.value.heartbeatIntervalSeconds || 10) * 1000;
        session.heartbeat = setInterval(() => {
          // The control plane heartbeats too; three silent intervals mean the stream is dead.
          if (!session.busy && now() - session.lastReceived > 3 * intervalMs) {
            logger.warn({ plane: planeName, silentMs: now() - session.lastReceived }, "the control plane went silent; reconnecting");
            session.abort.abort();
            return;
          }
          send({ case: "heartbeat", value: { sentTime: timestampFromMs(now()), sequence: ++session.sequence } });
        }, intervalMs);
        reportAllHealth();
        // What the control plane may have missed while disconnected; it drops the bytes it holds.
        for (const chunk of buildLogs.replay()) sendLog(chunk);
        return;
      }
      case "release": {
        statusHeld++;
        try {
          sendReport(await applier.receive(message.value, session.welcome?.maxInFlight ?? 0));
        } finally {
          statusHeld--;
        }
        flushStatus();
        scheduleRecheck(message.value.releaseId);
        session.trees.releaseChanged(message.value.releaseId);
        return;
      }
      case "releaseDeletion": {
        statusHeld++;
        try {
          sendReport(await applier.remove(message.value));
        } finally {
          statusHeld--;
        }
        flushStatus();
        clearTimeout(rechecks.get(message.value.releaseId));
        rechecks.delete(message.value.releaseId);
        session.trees.releaseChanged(message.value.releaseId);
        logger.info({ release: message.value.releaseId }, "release deleted");
        return;
      }
      case "liveObjectsQuery": {
        const { queryId, kind, namespace } = message.value;
        const live = await driver.listLive({ kind, namespace });
        const objects = live.map((o) =>
          create(LiveObjectSchema, {
            releaseId: applier.releaseOf(o.ref) ?? "",
            object: new TextEncoder().encode(JSON.stringify(o.object)),
            health: o.health.health,
          }),
        );
        // A large answer goes in several reports sharing the query id; an empty one still answers.
        const batches = chunkBySize(objects, (o) => o.object.length + 100, maxBytes());
        for (const batch of batches.length ? batches : [[]]) send({ case: "liveObjects", value: { queryId, objects: batch } });
        return;
      }
      case "logSubscription":
        session.logs.open(message.value);
        return;
      case "treeSubscription":
        session.trees.open(message.value);
        return;
      case "subscriptionCancellation":
        if (!session.logs.cancel(message.value.subscriptionId)) session.trees.cancel(message.value.subscriptionId);
        return;
      case "buildCancellation":
        // The build contract cancels through desired state (the Workflow's spec.shutdown), never a command.
        logger.info({ build: message.value.buildId }, "build cancellation ignored: builds stop through their Workflow's spec.shutdown");
        return;
      case "heartbeat":
      case undefined:
        return;
    }
  }

  async function runSession(): Promise<{ welcomed: boolean; error?: ConnectError }> {
    const outbox = createOutbox<ConnectRequest>();
    const sendOn = (message: Request) => outbox.push(create(ConnectRequestSchema, { message }));
    const logs = createLogSubscriptions({
      driver,
      logger,
      budget: logBudget,
      maxBatchBytes: maxBytes,
      send: sendOn,
      poke: () => outbox.poke(),
    });
    const trees = createTreeSubscriptions({
      driver,
      logger,
      roots: (releaseId) => applier.inventory(releaseId)?.objects.map((o) => o.ref) ?? [],
      releaseOf: (ref) => applier.releaseOf(ref),
      send: sendOn,
      maxMessageBytes: maxBytes,
    });
    // Log batches go only when nothing else waits: heartbeats, acks and status never queue behind them.
    outbox.setBulkSource(() => logs.next());
    const session: Session = { abort: new AbortController(), outbox, logs, trees, lastReceived: now(), sequence: 0, busy: false };
    current = session;
    try {
      const token = await options.credential();
      session.outbox.push(create(ConnectRequestSchema, { message: { case: "hello", value: hello() } }));
      const responses = client.connect(session.outbox, { signal: session.abort.signal, headers: { authorization: `Bearer ${token}` } });
      for await (const response of responses) {
        session.lastReceived = now();
        session.busy = true;
        try {
          await handle(session, response);
        } finally {
          session.busy = false;
          session.lastReceived = now();
        }
      }
      return { welcomed: session.welcome !== undefined };
    } catch (err) {
      return { welcomed: session.welcome !== undefined, error: ConnectError.from(err) };
    } finally {
      session.outbox.close();
      logs.closeAll();
      trees.closeAll();
      clearInterval(session.heartbeat);
      if (current === session) current = undefined;
    }
  }

  function logEnd(error: ConnectError | undefined, delayMs: number): void {
    const fields = { plane: planeName, server: options.server, retryInMs: delayMs, ...(error ? { code: Code[error.code], reason: error.rawMessage } : {}) };
    if (!error) logger.warn(fields, "the control plane ended the stream; reconnecting");
    else if (error.code === Code.Unauthenticated) logger.error(fields, "the control plane refused the credential (wrong or revoked); retrying");
    else if (error.code === Code.PermissionDenied) logger.error(fields, "the credential does not serve this plane; retrying");
    else if (error.code === Code.Aborted) logger.warn(fields, "this session was replaced by a newer session of the same plane (another agent with this credential?)");
    else logger.warn(fields, "connection to the control plane lost; reconnecting");
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const started = now();
      const { welcomed, error } = await runSession();
      if (stopped) return;
      if (welcomed && now() - started >= stableSessionMs) backoff.reset();
      const delayMs = backoff.next();
      logEnd(error, delayMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        wakeSleeper = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeSleeper = undefined;
    }
  }

  return {
    async start() {
      // Before the driver starts: it replays the logs of the builds it finds.
      unsubscribeLogs = driver.onLog((chunk) => {
        const fresh = buildLogs.add(chunk);
        if (fresh) sendLog(fresh);
      });
      await driver.start();
      await applier.load();
      unsubscribe = driver.onHealthChange((ref, health) => noteHealth(ref, health));
      // Files changed while the agent was down are put back before the control plane hears of them.
      for (const record of applier.inventories()) {
        await applier.correctDrift(record.releaseId);
        scheduleRecheck(record.releaseId);
      }
      logger.info({ plane: planeName, kind: options.planeKind, driver: driver.name, releases: applier.inventories().length }, "agent started");
      loop = run();
    },

    async stop() {
      stopped = true;
      current?.abort.abort();
      wakeSleeper?.();
      await loop;
      for (const timer of rechecks.values()) clearTimeout(timer);
      rechecks.clear();
      unsubscribe?.();
      unsubscribeLogs?.();
      sessionManager.abort();
      await driver.close();
    },
  };
}
