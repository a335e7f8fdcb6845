// The simulated plane agents of the planes benchmark, in a process of their own so that the control
// plane's heap holds only the control plane. Each agent is a light client of the real protocol over
// its own HTTP/2 connection: it says Hello (with what it holds, on a reconnect), acks every part
// Applied, reports each complete generation Healthy and sends heartbeats. Driven by bench/planes.ts
// over IPC; see AgentsCommand.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  PlaneAgentService,
  type ConnectRequestSchema,
  type DesiredRelease,
  type ObjectRef,
} from "../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { createMessageChannel } from "../src/planes/message-channel.js";

export type AgentsCommand =
  | { readonly type: "connect"; readonly url: string; readonly planes: readonly { readonly name: string; readonly token: string }[] }
  | { readonly type: "disconnect" };

export type AgentsReport =
  | { readonly type: "ready" }
  | { readonly type: "welcomed"; readonly agents: number }
  | { readonly type: "disconnected" }
  | { readonly type: "failed"; readonly message: string };

type Request = MessageInitShape<typeof ConnectRequestSchema>;

/** What one agent holds per Release: generation and object checksums, as its next Hello says. */
interface Held {
  generation: number;
  objects: Map<string, { ref: ObjectRef; sha256: string }>;
}

interface SimulatedAgent {
  readonly welcomed: Promise<void>;
  /** Half-closes the stream and drops the connection once the server ended it. */
  close(): Promise<void>;
}

const refKey = (ref: ObjectRef) => `${ref.apiVersion}|${ref.kind}|${ref.namespace}|${ref.name}`;

function connect(url: string, plane: { name: string; token: string }, held: Map<string, Held>): SimulatedAgent {
  const sessionManager = new Http2SessionManager(url);
  const client = createClient(PlaneAgentService, createGrpcTransport({ baseUrl: url, sessionManager }));
  const requests = createMessageChannel<Request>();
  const inventory = [...held].map(([releaseId, h]) => ({ releaseId, generation: h.generation, objects: [...h.objects.values()] }));
  requests.push({ message: { case: "hello", value: { planeName: plane.name, planeKind: "DataPlane", agentVersion: "bench", driver: "simulated", inventory } } });
  let beat: NodeJS.Timeout | undefined;
  let sequence = 0;
  let welcome!: () => void;
  let fail!: (err: unknown) => void;
  const welcomed = new Promise<void>((resolve, reject) => ((welcome = resolve), (fail = reject)));
  // Parts of a generation until all came: the agent holds a generation once it has every part.
  const parts = new Map<string, DesiredRelease[]>();

  const onRelease = (part: DesiredRelease) => {
    requests.push({
      message: {
        case: "ack",
        value: {
          releaseId: part.releaseId,
          generation: part.generation,
          part: part.part,
          results: [
            ...part.objects.map((o) => ({ ref: o.ref, outcome: "Applied", sha256: o.sha256 })),
            ...part.unchangedRefs.map((ref) => ({ ref, outcome: "Unchanged" })),
          ],
        },
      },
    });
    const key = `${part.releaseId}#${part.generation}`;
    const got = [...(parts.get(key) ?? []), part];
    if (got.length < part.partCount) {
      parts.set(key, got);
      return;
    }
    parts.delete(key);
    const before = held.get(part.releaseId)?.objects ?? new Map<string, { ref: ObjectRef; sha256: string }>();
    const objects = new Map<string, { ref: ObjectRef; sha256: string }>();
    for (const p of got) {
      for (const o of p.objects) objects.set(refKey(o.ref!), { ref: o.ref!, sha256: o.sha256 });
      for (const ref of p.unchangedRefs) {
        const kept = before.get(refKey(ref));
        if (kept) objects.set(refKey(ref), kept);
      }
    }
    held.set(part.releaseId, { generation: part.generation, objects });
    const observedTime = timestampFromMs(Date.now());
    requests.push({
      message: {
        case: "status",
        value: { releaseId: part.releaseId, generation: part.generation, objects: [...objects.values()].map((o) => ({ ref: o.ref, health: "Healthy", observedTime })) },
      },
    });
  };

  const ended = (async () => {
    try {
      for await (const response of client.connect(requests, { headers: { authorization: `Bearer ${plane.token}` } })) {
        const m = response.message;
        if (m.case === "welcome") {
          beat = setInterval(
            () => requests.push({ message: { case: "heartbeat", value: { sentTime: timestampFromMs(Date.now()), sequence: ++sequence } } }),
            Math.max(1, m.value.heartbeatIntervalSeconds) * 1000,
          );
          welcome();
        } else if (m.case === "release") {
          onRelease(m.value);
        } else if (m.case === "releaseDeletion") {
          held.delete(m.value.releaseId);
        }
      }
    } catch (err) {
      fail(err);
    } finally {
      clearInterval(beat);
      requests.close();
      sessionManager.abort();
    }
  })();

  return {
    welcomed,
    async close() {
      clearInterval(beat);
      requests.close();
      await ended;
    },
  };
}

const send = (report: AgentsReport) => process.send!(report);
const holdings = new Map<string, Map<string, Held>>();
let agents: SimulatedAgent[] = [];

process.on("message", (command: AgentsCommand) => {
  void (async () => {
    if (command.type === "connect") {
      // All at once, as after a control-plane restart.
      agents = command.planes.map((plane) => {
        let held = holdings.get(plane.name);
        if (!held) holdings.set(plane.name, (held = new Map()));
        return connect(command.url, plane, held);
      });
      await Promise.all(agents.map((a) => a.welcomed));
      send({ type: "welcomed", agents: agents.length });
    } else {
      await Promise.all(agents.map((a) => a.close()));
      agents = [];
      send({ type: "disconnected" });
    }
  })().catch((err: unknown) => send({ type: "failed", message: err instanceof Error ? err.message : String(err) }));
});
process.on("disconnect", () => process.exit(0));
// Loaded (the generated code takes seconds under tsx): the timings may start.
send({ type: "ready" });
