// A scripted plane agent for tests: a connect-node gRPC client on real HTTP/2 that sends what the
// test tells it and records what the control plane sends.
import { toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ConnectRequestSchema,
  ConnectResponseSchema,
  PlaneAgentService,
  type ConnectResponse,
  type DesiredRelease,
  type HelloSchema,
} from "../../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { createMessageChannel } from "../../../src/planes/message-channel.js";

export type Hello = MessageInitShape<typeof HelloSchema>;
export type Request = MessageInitShape<typeof ConnectRequestSchema>["message"];

export interface FakeAgent {
  /** Every message received, in order, with its encoded size. */
  readonly received: { message: ConnectResponse; bytes: number }[];
  send(message: Request): void;
  /** The next received message (from `from` on) that matches, waiting up to timeoutMs. */
  waitFor<T extends ConnectResponse["message"]["case"]>(kind: T, options?: { from?: number; timeoutMs?: number; where?: (m: Extract<ConnectResponse["message"], { case: T }>["value"]) => boolean }): Promise<Extract<ConnectResponse["message"], { case: T }>["value"]>;
  /** Resolves when the stream ends: undefined code for a normal end. */
  readonly ended: Promise<{ code: Code | undefined; message: string }>;
  /** Messages of a kind received so far. */
  all<T extends ConnectResponse["message"]["case"]>(kind: T): Extract<ConnectResponse["message"], { case: T }>["value"][];
  /** Acks every part of a DesiredRelease with Applied (or the outcome given per object name). */
  ack(release: DesiredRelease, outcomes?: Record<string, { outcome: string; message?: string }>): void;
  /** Half-closes the request stream. */
  close(): void;
  /** Stops sending heartbeats (the agent falls silent). */
  silence(): void;
}

export function connectAgent(url: string, token: string | undefined, hello: Hello | undefined, options: { heartbeatMs?: number } = {}): FakeAgent {
  const client = createClient(PlaneAgentService, createGrpcTransport({ baseUrl: url }));
  const requests = createMessageChannel<MessageInitShape<typeof ConnectRequestSchema>>();
  const received: { message: ConnectResponse; bytes: number }[] = [];
  const waiters = new Set<() => void>();
  let beat: NodeJS.Timeout | undefined;
  if (hello) requests.push({ message: { case: "hello", value: hello } });
  if (options.heartbeatMs !== 0) {
    let sequence = 0;
    beat = setInterval(() => requests.push({ message: { case: "heartbeat", value: { sentTime: timestampFromMs(Date.now()), sequence: ++sequence } } }), options.heartbeatMs ?? 200);
  }
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const ended = (async () => {
    try {
      for await (const message of client.connect(requests, { headers })) {
        received.push({ message, bytes: toBinary(ConnectResponseSchema, message).length });
        for (const wake of waiters) wake();
      }
      return { code: undefined, message: "" };
    } catch (err) {
      const e = ConnectError.from(err);
      return { code: e.code, message: e.rawMessage };
    } finally {
      clearInterval(beat);
      requests.close();
      for (const wake of waiters) wake();
    }
  })();
  let done = false;
  void ended.then(() => (done = true));

  const agent: FakeAgent = {
    received,
    send(message) {
      requests.push({ message });
    },
    async waitFor(kind, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 5000);
      let index = opts.from ?? 0;
      for (;;) {
        for (; index < received.length; index++) {
          const m = received[index]!.message.message;
          if (m.case === kind && (!opts.where || opts.where(m.value as never))) return m.value as never;
        }
        if (done) throw new Error(`stream ended before a ${kind} came: ${JSON.stringify(await ended)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${kind} within ${opts.timeoutMs ?? 5000} ms; got ${received.map((r) => r.message.message.case).join(", ")}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          const wake = () => {
            clearTimeout(timer);
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
        });
      }
    },
    ended,
    all(kind) {
      return received.flatMap((r) => (r.message.message.case === kind ? [r.message.message.value as never] : []));
    },
    ack(release, outcomes = {}) {
      const results = [
        ...release.objects.map((o) => ({ ref: o.ref, sha256: o.sha256, outcome: outcomes[o.ref!.name]?.outcome ?? "Applied", message: outcomes[o.ref!.name]?.message ?? "" })),
        ...release.unchangedRefs.map((ref) => ({ ref, outcome: "Unchanged" })),
      ];
      agent.send({ case: "ack", value: { releaseId: release.releaseId, generation: release.generation, part: release.part, results } });
    },
    close() {
      clearInterval(beat);
      requests.close();
    },
    silence() {
      clearInterval(beat);
    },
  };
  return agent;
}
