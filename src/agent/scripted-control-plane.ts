// Test support: a control plane whose PlaneAgentService is driven by the test, served over real
// HTTP/2 (h2c) on a loopback port, so agents are tested through the same stream production uses.
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { ConnectError, ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  ConnectResponseSchema,
  PlaneAgentService,
  WelcomeSchema,
  type ConnectRequest,
  type ConnectResponse,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { createOutbox } from "./outbox.js";

type Response = MessageInitShape<typeof ConnectResponseSchema>["message"];

/** One Connect stream, as the test sees it. */
export interface ScriptedSession {
  readonly authorization: string | null;
  /** Every message the agent sent on this stream, in order. */
  readonly received: readonly ConnectRequest[];
  /** The first message, already received or yet to come, that pick maps to a value. */
  waitFor<T>(what: string, pick: (message: ConnectRequest) => T | undefined, timeoutMs?: number): Promise<T>;
  send(message: Response): void;
  /** Ends the stream, with an error status when given. */
  end(error?: ConnectError): void;
  /** Resolves when the agent closed its side or the stream ended. */
  readonly closed: Promise<void>;
}

export interface ScriptedControlPlaneOptions {
  /** Refuses a stream (thrown before anything is read) when it returns an error. */
  readonly authenticate?: (authorization: string | null) => ConnectError | undefined;
  /** Sent as soon as the Hello arrives; `null` sends none. */
  readonly welcome?: MessageInitShape<typeof WelcomeSchema> | null;
  /** A fixed port, to stand in for a restarted control plane; any free port when absent. */
  readonly port?: number;
}

export interface ScriptedControlPlane {
  readonly url: string;
  readonly sessions: readonly ScriptedSession[];
  /** The n-th stream (0-based) once it opened. */
  session(index: number, timeoutMs?: number): Promise<ScriptedSession>;
  close(): Promise<void>;
}

export async function startScriptedControlPlane(options: ScriptedControlPlaneOptions = {}): Promise<ScriptedControlPlane> {
  const sessions: ScriptedSession[] = [];
  const sessionWaiters = new Set<() => void>();
  const welcome = options.welcome === undefined ? { sessionId: "s", heartbeatIntervalSeconds: 30, maxInFlight: 8, maxMessageBytes: 1 << 20 } : options.welcome;

  function openSession(authorization: string | null, signal: AbortSignal) {
    const outbox = createOutbox<ConnectResponse>();
    const received: ConnectRequest[] = [];
    const waiters = new Set<(message: ConnectRequest) => void>();
    let endError: ConnectError | undefined;
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    signal.addEventListener("abort", () => outbox.close());
    const session: ScriptedSession = {
      authorization,
      received,
      waitFor(what, pick, timeoutMs = 10_000) {
        for (const message of received) {
          const value = pick(message);
          if (value !== undefined) return Promise.resolve(value);
        }
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${received.map((m) => m.message.case).join(", ")}`));
          }, timeoutMs);
          const waiter = (message: ConnectRequest) => {
            const value = pick(message);
            if (value === undefined) return;
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(value);
          };
          waiters.add(waiter);
        });
      },
      send(message) {
        outbox.push(create(ConnectResponseSchema, { message }));
      },
      end(error) {
        endError = error;
        outbox.close();
      },
      closed,
    };
    const receive = (message: ConnectRequest) => {
      received.push(message);
      if (message.message.case === "hello" && welcome && received.length === 1) session.send({ case: "welcome", value: welcome });
      for (const waiter of [...waiters]) waiter(message);
    };
    sessions.push(session);
    for (const waiter of [...sessionWaiters]) waiter();
    return { session, outbox, receive, markClosed, endError: () => endError };
  }

  const routes = (router: ConnectRouter) =>
    router.service(PlaneAgentService, {
      async *connect(requests, ctx) {
        const authorization = ctx.requestHeader.get("authorization");
        const refused = options.authenticate?.(authorization);
        if (refused) throw refused;
        const { outbox, receive, markClosed, endError } = openSession(authorization, ctx.signal);
        void (async () => {
          try {
            for await (const message of requests) receive(message);
          } catch {
            // The agent went away; the stream ends below through the signal.
          } finally {
            markClosed();
          }
        })();
        yield* outbox;
        const error = endError();
        if (error) throw error;
      },
    });

  const server = http2.createServer(connectNodeAdapter({ routes }));
  const connections = new Set<http2.Http2Session>();
  server.on("session", (s: http2.ServerHttp2Session) => {
    connections.add(s);
    s.on("close", () => connections.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    sessions,
    session(index, timeoutMs = 10_000) {
      if (sessions[index]) return Promise.resolve(sessions[index]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          sessionWaiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for stream #${index + 1}; ${sessions.length} opened`));
        }, timeoutMs);
        const waiter = () => {
          if (!sessions[index]) return;
          clearTimeout(timer);
          sessionWaiters.delete(waiter);
          resolve(sessions[index]);
        };
        sessionWaiters.add(waiter);
      });
    },
    async close() {
      for (const connection of connections) connection.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
