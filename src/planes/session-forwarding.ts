import type { DescMessage, DescMethodServerStreaming, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { createClient, type HandlerContext, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { isNotFoundError } from "../errors/index.js";
import type { ResourceStore } from "../store/index.js";
import { planeSchema, type PlaneObject, type PlaneRef } from "./plane-ref.js";

/** Where each replica serves its API, by the serverId plane status records for the sessions it holds. */
export interface ReplicaDirectory {
  /** The base URL of a live replica ("https://10.0.3.7:8080"); undefined when it is gone or unknown. */
  addressOf(serverId: string): Promise<string | undefined>;
}

/**
 * Set on a forwarded call: the replica that receives it answers itself and never forwards again (its
 * value names the replica that forwarded). A client that sets it only gets this replica's own answer.
 */
export const forwardedByHeader = "x-openchoreo-forwarded-by";
// What a forwarded call carries of the caller's: its credential (the peer authenticates and
// authorizes the caller again, as itself) and its request id (one id in both replicas' logs).
const callerHeaders = ["authorization", "x-request-id"];

export interface SessionForwardingDeps {
  /** Plane status: whether an agent is connected, and to which replica (status.agent.serverId). */
  readonly store: ResourceStore;
  /** This replica, as plane status names it. */
  readonly serverId: string;
  /** Undefined: one replica (SQLite), nothing to forward to. */
  readonly directory: ReplicaDirectory | undefined;
  /** The CA peers' TLS certificates are checked against (replicas share one certificate: its own). */
  readonly trustedCa?: Buffer;
  readonly logger: Logger;
}

/**
 * Sends a call that needs one plane's agent to the replica holding that agent's session. Each wraps
 * the method's local implementation: when the plane's status says its agent is connected to another
 * live replica, the same method is called there, as the caller (its own credential, which the peer
 * checks as any call's), and the peer's answer or error is the answer; otherwise (no agent, its
 * session here, its replica gone, a call forwarded already) the local implementation answers.
 */
export interface SessionForwarding {
  unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    planeOf: (request: MessageShape<I>) => PlaneRef | Promise<PlaneRef>,
    local: (request: MessageShape<I>, context: HandlerContext) => Promise<MessageInitShape<O>>,
  ): (request: MessageShape<I>, context: HandlerContext) => Promise<MessageInitShape<O>>;
  serverStreaming<I extends DescMessage, O extends DescMessage>(
    method: DescMethodServerStreaming<I, O>,
    planeOf: (request: MessageShape<I>) => PlaneRef | Promise<PlaneRef>,
    local: (request: MessageShape<I>, context: HandlerContext) => AsyncIterable<MessageInitShape<O>>,
  ): (request: MessageShape<I>, context: HandlerContext) => AsyncIterable<MessageInitShape<O>>;
  /** Closes the connections to peers. */
  close(): void;
}

export function createSessionForwarding(deps: SessionForwardingDeps): SessionForwarding {
  const { directory } = deps;
  const logger = deps.logger.child({ component: "session-forwarding" });
  const peers = new Map<string, { transport: Transport; sessions: Http2SessionManager }>();

  const transportTo = (address: string): Transport => {
    let peer = peers.get(address);
    if (!peer) {
      const tls = address.startsWith("https:") ? { ...(deps.trustedCa ? { ca: deps.trustedCa } : {}) } : {};
      const sessions = new Http2SessionManager(address, {}, tls);
      peer = { transport: createGrpcTransport({ baseUrl: address, sessionManager: sessions }), sessions };
      peers.set(address, peer);
    }
    return peer.transport;
  };

  /** The peer to forward to, or undefined to answer here. */
  const peerFor = async (plane: PlaneRef, context: HandlerContext): Promise<string | undefined> => {
    // No plane (none named, or none found): the local implementation says so, in its own words.
    if (!directory || !plane.name || context.requestHeader.has(forwardedByHeader)) return undefined;
    let object: PlaneObject;
    try {
      object = (await deps.store.get(planeSchema(plane.kind), plane)) as PlaneObject;
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
    const agent = object.status?.agent;
    if (!agent?.connected || !agent.serverId || agent.serverId === deps.serverId) return undefined;
    const address = await directory.addressOf(agent.serverId);
    if (!address) logger.debug({ plane, serverId: agent.serverId }, "the replica holding the agent's session is not in the directory: answering here");
    return address;
  };

  const headersFor = (context: HandlerContext): Headers => {
    const headers = new Headers({ [forwardedByHeader]: deps.serverId });
    for (const name of callerHeaders) {
      const value = context.requestHeader.get(name);
      if (value !== null) headers.set(name, value);
    }
    return headers;
  };

  const callOptions = (context: HandlerContext) => ({ headers: headersFor(context), signal: context.signal, ...(context.timeoutMs() !== undefined ? { timeoutMs: context.timeoutMs() } : {}) });

  return {
    unary(method, planeOf, local) {
      return async (request, context) => {
        const address = await peerFor(await planeOf(request), context);
        if (!address) return local(request, context);
        logger.debug({ method: method.name, address }, "forwarding to the replica holding the agent's session");
        const client = createClient(method.parent, transportTo(address)) as unknown as Record<string, (req: unknown, options: unknown) => Promise<MessageShape<typeof method.output>>>;
        return client[method.localName]!(request, callOptions(context)) as Promise<MessageInitShape<typeof method.output>>;
      };
    },

    serverStreaming(method, planeOf, local) {
      return async function* (request, context) {
        const address = await peerFor(await planeOf(request), context);
        if (!address) {
          yield* local(request, context);
          return;
        }
        logger.debug({ method: method.name, address }, "forwarding a stream to the replica holding the agent's session");
        const client = createClient(method.parent, transportTo(address)) as unknown as Record<string, (req: unknown, options: unknown) => AsyncIterable<MessageShape<typeof method.output>>>;
        yield* client[method.localName]!(request, callOptions(context)) as AsyncIterable<MessageInitShape<typeof method.output>>;
      };
    },

    close() {
      for (const peer of peers.values()) peer.sessions.abort();
      peers.clear();
    },
  };
}
