import type { Logger } from "pino";
import type { KindInfo } from "../model/index.js";
import type { ResourceObject } from "../store/index.js";
import type { Reader } from "./cached-client.js";
import type { WatchSource } from "./controller-builder.js";
import type { ReconcileRequest } from "./reconcile-request.js";
import type { ResourceEvent, ResourceEventHandler } from "./resource-event.js";

export interface EnqueueHandlerOptions {
  /** The kind the controller reconciles. */
  readonly forKind: KindInfo;
  /** Predicates that apply to every source of the controller. */
  readonly predicates: WatchSource["predicates"];
  readonly reader: Reader;
  readonly enqueue: (request: ReconcileRequest) => void;
  readonly logger: Logger;
}

/**
 * Turns one source's events into requests for the controller's kind (controller-runtime's
 * EnqueueRequestForObject, EnqueueRequestForOwner with OnlyControllerOwner, and
 * EnqueueRequestsFromMapFunc). An update maps both the old and the new object, so a child that
 * changes owner, or an object that stops matching a map, still wakes whoever it left.
 */
export function createEnqueueHandler(source: WatchSource, options: EnqueueHandlerOptions): ResourceEventHandler {
  const { forKind, reader, enqueue, logger } = options;
  const predicates = [...options.predicates, ...source.predicates];
  const request = (namespace: string, name: string): ReconcileRequest => ({
    kind: forKind.kind,
    namespace: forKind.namespaced ? namespace : "",
    name,
  });
  // An object's own key does not change with an update: only the new object needs mapping.
  const objectsOf = (event: ResourceEvent): ResourceObject[] =>
    event.type === "update" && source.source !== "for" ? [event.old, event.object] : [event.object];

  let map: (object: ResourceObject) => void;
  switch (source.source) {
    case "for":
      map = (object) => enqueue(request(object.metadata?.namespace ?? "", object.metadata?.name ?? ""));
      break;
    case "owns":
      map = (object) => {
        const owner = object.metadata?.ownerReferences.find((ref) => ref.controller === true);
        // Versions of one group are views of the same objects, so the group is what must match.
        if (owner && owner.kind === forKind.kind && groupOf(owner.apiVersion) === forKind.group) {
          enqueue(request(object.metadata?.namespace ?? "", owner.name));
        }
      };
      break;
    case "watches": {
      const mapFn = source.map;
      map = (object) => {
        Promise.resolve()
          .then(() => mapFn(object, reader))
          .then(
            (keys) => {
              for (const key of keys) enqueue(request(key.namespace, key.name));
            },
            (err: unknown) =>
              logger.error({ err, kind: object.kind, name: object.metadata?.name }, "map function failed"),
          );
      };
      break;
    }
  }

  return (event) => {
    if (!predicates.every((p) => p(event))) return;
    for (const object of objectsOf(event)) map(object);
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}
