import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { EventSchema, EventStatusSchema } from "../../gen/openchoreo/model/v1alpha1/event_pb.js";
import type { Clock } from "../core/index.js";
import { isAlreadyExistsError, isConflictError, isNotFoundError } from "../errors/index.js";
import { labels } from "../model/index.js";
import type { ResourceObject, ResourceStore } from "../store/index.js";

export type EventType = "Normal" | "Warning";

/** Records what happened to an object, for `choreoctl describe` and ResourceService.ListEvents. */
export interface EventRecorder {
  record(object: ResourceObject, type: EventType, reason: string, message: string): Promise<void>;
}

/**
 * Events are objects of the added Event kind, in the involved object's namespace ("default" for
 * cluster-scoped objects), labelled with its kind and name, and owned by it so they go with it. The
 * same type, reason and message on the same object fold into one Event whose count grows.
 */
export function createEventRecorder(deps: { readonly store: ResourceStore; readonly clock: Clock; readonly source: string }): EventRecorder {
  const { store, clock, source } = deps;
  return {
    async record(object, type, reason, message) {
      const meta = object.metadata;
      if (!meta?.name || !meta.uid) return;
      const namespace = meta.namespace || "default";
      const digest = createHash("sha256").update([object.kind, meta.name, meta.uid, type, reason, message].join("\n")).digest("hex");
      const name = `${meta.name}.${digest.slice(0, 10)}`;
      const now = timestampFromMs(clock.now());
      // Most events are new: create first, and count a repeat only when the name is taken.
      for (let attempt = 0; attempt < 4; attempt++) {
        if (attempt > 0) {
          try {
            const existing = await store.get(EventSchema, { namespace, name });
            const status = existing.status ?? create(EventStatusSchema);
            status.count = (status.count ?? 1) + 1;
            status.lastTimestamp = now;
            existing.status = status;
            await store.updateStatus(EventSchema, existing);
            return;
          } catch (err) {
            if (isConflictError(err)) continue;
            if (!isNotFoundError(err)) throw err;
          }
        }
        const event = create(EventSchema, {
          apiVersion: "openchoreo.dev/v1alpha1",
          kind: "Event",
          metadata: {
            name,
            namespace,
            labels: { [labels.involvedKind]: object.kind, [labels.involvedName]: meta.name },
            ownerReferences: [{ apiVersion: object.apiVersion, kind: object.kind, name: meta.name, uid: meta.uid }],
          },
          spec: {
            involvedObject: { apiVersion: object.apiVersion, kind: object.kind, namespace: meta.namespace, name: meta.name, uid: meta.uid },
            type,
            reason,
            message: message.slice(0, 4096),
            source,
          },
        });
        event.status = create(EventStatusSchema, { count: 1, firstTimestamp: now, lastTimestamp: now });
        try {
          const created = await store.create(EventSchema, event, { withStatus: true });
          if (!created.status) {
            created.status = event.status;
            await store.updateStatus(EventSchema, created);
          }
          return;
        } catch (err) {
          if (!isAlreadyExistsError(err) && !isConflictError(err)) throw err;
        }
      }
    },
  };
}
