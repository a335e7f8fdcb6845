import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import { ConnectRequestSchema, type ConnectRequest, type ContainerLogSubscription } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { createBoundedLineQueue, type BoundedLineQueue } from "../model/bounded-line-queue.js";
import type { ByteBudget } from "./byte-budget.js";
import type { ContainerLogLine, DriverSubscription, PlaneDriver } from "./driver.js";

type Request = MessageInitShape<typeof ConnectRequestSchema>["message"];

export interface LogSubscriptionsOptions {
  readonly driver: PlaneDriver;
  readonly logger: Logger;
  /** What component logs may spend of the stream; shared by every subscription. */
  readonly budget: ByteBudget;
  /** The largest batch: the Welcome's message limit, less room for the envelope. */
  readonly maxBatchBytes: () => number;
  /** Sends a message ahead of log traffic (a subscription refused at once). */
  readonly send: (message: Request) => void;
  /** Lines are waiting, or the budget refilled: the stream should ask `next` again. */
  readonly poke: () => void;
  /** Per subscription, lines waiting for the budget before new ones are dropped and counted. */
  readonly maxLines?: number;
  readonly maxBytes?: number;
}

/** The component log reads the control plane asked this agent for, sent within the byte budget. */
export interface LogSubscriptions {
  open(subscription: ContainerLogSubscription): void;
  /** Stops a read; false when the id is not a log subscription. */
  cancel(subscriptionId: string): boolean;
  /** The next log message to send, round robin between subscriptions; undefined when none may go now. */
  next(): ConnectRequest | undefined;
  /** The session ended: every read stops. */
  closeAll(): void;
}

interface Open {
  readonly id: string;
  readonly queue: BoundedLineQueue<ContainerLogLine>;
  upstream: DriverSubscription | undefined;
  end?: { error: string };
}

// A line longer than this is cut, so one line never outgrows a message (kubelet splits at 16 KiB anyway).
const maxLineChars = 64 * 1024;
// Below this much budget a batch waits for the bucket to refill rather than trickle out line by line.
const minBatchBytes = 1024;
const lineBytes = (line: ContainerLogLine) => Buffer.byteLength(line.text) + line.pod.length + line.container.length + line.timestamp.length + 12;

export function createLogSubscriptions(options: LogSubscriptionsOptions): LogSubscriptions {
  const { driver, budget, logger } = options;
  const open = new Map<string, Open>();
  let refill: NodeJS.Timeout | undefined;

  const message = (value: Request) => create(ConnectRequestSchema, { message: value });

  return {
    open(subscription) {
      const id = subscription.subscriptionId;
      if (!driver.streamLogs) {
        options.send({ case: "subscriptionEnd", value: { subscriptionId: id, error: `the ${driver.name} driver cannot read container logs` } });
        return;
      }
      const entry: Open = {
        id,
        queue: createBoundedLineQueue({ maxLines: options.maxLines ?? 10_000, maxBytes: options.maxBytes ?? 4 * 1024 * 1024, sizeOf: lineBytes }),
        upstream: undefined,
      };
      open.set(id, entry);
      const live = () => open.get(id) === entry && !entry.end;
      entry.upstream = driver.streamLogs(
        {
          namespace: subscription.namespace,
          selector: subscription.selector,
          pod: subscription.pod,
          container: subscription.container,
          ...(subscription.sinceSeconds !== undefined ? { sinceSeconds: subscription.sinceSeconds } : {}),
          ...(subscription.sinceTime ? { sinceTimeMs: timestampMs(subscription.sinceTime) } : {}),
          ...(subscription.tailLines !== undefined ? { tailLines: subscription.tailLines } : {}),
          follow: subscription.follow,
          timestamps: subscription.timestamps,
        },
        {
          lines(lines) {
            if (!live()) return;
            entry.queue.push(lines.map((l) => (l.text.length > maxLineChars ? { ...l, text: `${l.text.slice(0, maxLineChars)} [line cut at ${maxLineChars} characters]` } : l)));
            options.poke();
          },
          dropped(count) {
            if (!live()) return;
            entry.queue.addDropped(count);
            options.poke();
          },
          end(error) {
            if (!live()) return;
            entry.end = { error: error?.message ?? "" };
            if (error) logger.warn({ err: error, subscription: id }, "a component log read failed");
            options.poke();
          },
        },
      );
    },

    cancel(subscriptionId) {
      const entry = open.get(subscriptionId);
      if (!entry) return false;
      open.delete(subscriptionId);
      entry.upstream?.close();
      return true;
    },

    next() {
      const batchOf = (entry: Open, batch: { lines: ContainerLogLine[]; dropped: number }) => {
        // Round robin: the entry goes to the back, so one busy read cannot starve the others.
        open.delete(entry.id);
        open.set(entry.id, entry);
        return message({ case: "logBatch", value: { subscriptionId: entry.id, lines: batch.lines, droppedLines: batch.dropped } });
      };
      for (const entry of open.values()) {
        if (entry.queue.length === 0) {
          // Lines lost with none after them yet still deserve their marker.
          const gap = entry.queue.take(0);
          if (gap) return batchOf(entry, gap);
          if (!entry.end) continue;
          open.delete(entry.id);
          entry.upstream?.close();
          return message({ case: "subscriptionEnd", value: { subscriptionId: entry.id, error: entry.end.error } });
        }
        const available = budget.available();
        if (available < minBatchBytes) {
          if (!refill) {
            refill = setTimeout(() => {
              refill = undefined;
              options.poke();
            }, budget.waitMs(minBatchBytes));
            refill.unref();
          }
          return undefined;
        }
        const batch = entry.queue.take(Math.min(available, options.maxBatchBytes()));
        if (!batch) continue;
        budget.spend(batch.lines.reduce((sum, l) => sum + lineBytes(l), 0));
        return batchOf(entry, batch);
      }
      return undefined;
    },

    closeAll() {
      clearTimeout(refill);
      refill = undefined;
      for (const entry of open.values()) entry.upstream?.close();
      open.clear();
    },
  };
}
