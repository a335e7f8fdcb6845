import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import {
  ResourceTreeNodeSchema,
  type ConnectRequestSchema,
  type ResourceTreeNode as ProtoTreeNode,
  type ResourceTreeSubscription,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { chunkBySize } from "./chunk-by-size.js";
import type { DriverSubscription, PlaneDriver, PlaneObjectRef, ResourceTreeNode } from "./driver.js";
import { refKey } from "./object-ref.js";
import { toProtoRef } from "./proto-ref.js";

type Request = MessageInitShape<typeof ConnectRequestSchema>["message"];

export interface TreeSubscriptionsOptions {
  readonly driver: PlaneDriver;
  readonly logger: Logger;
  /** The objects a Release applied (the roots of its tree), and which Release applied an object. */
  readonly roots: (releaseId: string) => readonly PlaneObjectRef[];
  readonly releaseOf: (ref: PlaneObjectRef) => string | undefined;
  readonly send: (message: Request) => void;
  readonly maxMessageBytes: () => number;
}

/** The object trees the control plane watches through this agent, pushed whenever the driver sees a change. */
export interface TreeSubscriptions {
  open(subscription: ResourceTreeSubscription): void;
  /** Stops a watch; false when the id is not a tree subscription. */
  cancel(subscriptionId: string): boolean;
  /** A Release was applied or removed: its trees are watched again from its current objects. */
  releaseChanged(releaseId: string): void;
  closeAll(): void;
}

interface Open {
  readonly subscription: ResourceTreeSubscription;
  rootsKey: string;
  upstream: DriverSubscription | undefined;
  revision: number;
}

export function createTreeSubscriptions(options: TreeSubscriptionsOptions): TreeSubscriptions {
  const { driver } = options;
  const open = new Map<string, Open>();

  const rootsKey = (roots: readonly PlaneObjectRef[]) => roots.map(refKey).sort().join("\n");

  const toProto = (node: ResourceTreeNode): ProtoTreeNode =>
    create(ResourceTreeNodeSchema, {
      ref: toProtoRef(node.ref),
      uid: node.uid,
      ownerUids: [...node.ownerUids],
      health: node.health,
      healthMessage: node.healthMessage,
      ...(node.createdMs !== undefined ? { creationTime: timestampFromMs(node.createdMs) } : {}),
      ...(node.pod ? { pod: { ...node.pod } } : {}),
      events: node.events.map((e) => ({ involved: toProtoRef(node.ref), type: e.type, reason: e.reason, message: e.message, count: e.count, lastTime: timestampFromMs(e.lastMs) })),
      simulated: node.simulated,
      releaseId: options.releaseOf(node.ref) ?? "",
    });

  const watch = (entry: Open) => {
    const { subscriptionId, releaseId, namespace, selector } = entry.subscription;
    const roots = options.roots(releaseId);
    entry.rootsKey = rootsKey(roots);
    entry.upstream = driver.watchResourceTree!(
      { roots, namespace, selector },
      {
        snapshot(nodes) {
          if (open.get(subscriptionId) !== entry) return;
          const revision = ++entry.revision;
          const protoNodes = nodes.map(toProto);
          const size = (n: ProtoTreeNode) => 300 + n.healthMessage.length + n.events.reduce((sum, e) => sum + e.message.length + 100, 0);
          const parts = chunkBySize(protoNodes, size, options.maxMessageBytes());
          const all = parts.length > 0 ? parts : [[]];
          all.forEach((part, index) =>
            options.send({ case: "resourceTree", value: { subscriptionId, revision, part: index, partCount: all.length, nodes: part } }),
          );
        },
        end(error) {
          if (open.get(subscriptionId) !== entry) return;
          open.delete(subscriptionId);
          options.logger.warn({ err: error, subscription: subscriptionId }, "an object tree watch failed");
          options.send({ case: "subscriptionEnd", value: { subscriptionId, error: error.message } });
        },
      },
    );
  };

  return {
    open(subscription) {
      if (!driver.watchResourceTree) {
        options.send({ case: "subscriptionEnd", value: { subscriptionId: subscription.subscriptionId, error: `the ${driver.name} driver cannot watch object trees` } });
        return;
      }
      const entry: Open = { subscription, rootsKey: "", upstream: undefined, revision: 0 };
      open.set(subscription.subscriptionId, entry);
      watch(entry);
    },

    cancel(subscriptionId) {
      const entry = open.get(subscriptionId);
      if (!entry) return false;
      open.delete(subscriptionId);
      entry.upstream?.close();
      return true;
    },

    releaseChanged(releaseId) {
      for (const entry of open.values()) {
        if (entry.subscription.releaseId !== releaseId || entry.rootsKey === rootsKey(options.roots(releaseId))) continue;
        entry.upstream?.close();
        watch(entry);
      }
    },

    closeAll() {
      for (const entry of open.values()) entry.upstream?.close();
      open.clear();
    },
  };
}
