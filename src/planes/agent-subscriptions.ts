import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ConnectRequest,
  ConnectResponseSchema,
  ContainerLogBatch,
  ContainerLogSubscriptionSchema,
  ResourceTreeSnapshot,
  ResourceTreeSubscriptionSchema,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { FailedPreconditionError, ResourceExhaustedError } from "../errors/index.js";

/** What to ask of the agent; the subscription id is chosen here. */
export type AgentSubscriptionRequest =
  | { readonly case: "logSubscription"; readonly value: Omit<MessageInitShape<typeof ContainerLogSubscriptionSchema>, "subscriptionId"> }
  | { readonly case: "treeSubscription"; readonly value: Omit<MessageInitShape<typeof ResourceTreeSubscriptionSchema>, "subscriptionId"> };

/** Receives what the agent sends for one subscription. */
export interface SubscriptionHandler {
  onLogBatch?(batch: ContainerLogBatch): void;
  onTreeSnapshot?(snapshot: ResourceTreeSnapshot): void;
  /** The agent completed it (no error) or failed it, or the session ended; nothing follows. */
  onEnd(error: Error | undefined): void;
}

/** The log reads and tree watches one session has open on its agent. */
export interface AgentSubscriptions {
  /** Sends the subscription; returns its cancellation (which tells the agent to stop). */
  open(request: AgentSubscriptionRequest, handler: SubscriptionHandler): () => void;
  /** Hands a log batch, tree snapshot or end to its subscription; false for any other message. */
  route(request: ConnectRequest): boolean;
  /** The session ended: every subscription ends with the error. */
  endAll(error: Error): void;
}

type Send = (message: MessageInitShape<typeof ConnectResponseSchema>["message"]) => void;

export function createAgentSubscriptions(send: Send, maxOpen: number): AgentSubscriptions {
  const open = new Map<string, SubscriptionHandler>();
  return {
    open(request, handler) {
      if (open.size >= maxOpen) {
        throw new ResourceExhaustedError(`the plane's agent already serves ${maxOpen} log streams and tree watches; try again when one ends`, 1000);
      }
      const subscriptionId = randomUUID();
      open.set(subscriptionId, handler);
      send({ case: request.case, value: { ...request.value, subscriptionId } } as never);
      return () => {
        if (!open.delete(subscriptionId)) return;
        send({ case: "subscriptionCancellation", value: { subscriptionId } });
      };
    },
    route(request) {
      const message = request.message;
      switch (message.case) {
        case "logBatch":
          open.get(message.value.subscriptionId)?.onLogBatch?.(message.value);
          return true;
        case "resourceTree":
          open.get(message.value.subscriptionId)?.onTreeSnapshot?.(message.value);
          return true;
        case "subscriptionEnd": {
          const handler = open.get(message.value.subscriptionId);
          open.delete(message.value.subscriptionId);
          handler?.onEnd(message.value.error ? new FailedPreconditionError(`the plane's agent: ${message.value.error}`) : undefined);
          return true;
        }
        default:
          return false;
      }
    },
    endAll(error) {
      const handlers = [...open.values()];
      open.clear();
      for (const handler of handlers) handler.onEnd(error);
    },
  };
}
