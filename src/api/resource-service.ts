import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EventSchema } from "../../gen/openchoreo/model/v1alpha1/event_pb.js";
import { ApplyAction, WatchResponseSchema, type ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { InvalidSpecError } from "../errors/index.js";
import { labels, type Codec, type KindInfo, type KindRegistry } from "../model/index.js";
import type { ResourceAccess } from "./resource-access.js";
import type { ResourceStore } from "../store/index.js";
import { speaksBinary, watchEncoded, type EncodedObjects } from "./encoded-objects.js";
import { principalKey, readableBy, type Authorizer } from "../auth/index.js";
import { createWatchMany } from "./watch-many.js";
import { maxPageSize, propagationOf, watchEventTypeOf } from "./typed-resource-service.js";

const applyActions = { created: ApplyAction.CREATED, configured: ApplyAction.CONFIGURED, unchanged: ApplyAction.UNCHANGED };

/** ResourceService: any kind, named the way users type it, in its Kubernetes JSON form. */
export function createResourceService(deps: {
  readonly access: ResourceAccess;
  readonly codec: Codec;
  readonly authorizer?: Authorizer | undefined;
  readonly store: ResourceStore;
  readonly encoded: EncodedObjects;
}): ServiceImpl<typeof ResourceService> {
  const { access, codec, authorizer, store, encoded } = deps;
  const watchObjectField = WatchResponseSchema.field.object!;
  const kindNamed = (name: string, apiVersion: string): KindInfo => kindNamedIn(codec.registry, name, apiVersion);
  const eventKind = codec.registry.bySchema(EventSchema.typeName)!;
  const eventsAbout = (kind: KindInfo, namespace: string, name: string) => ({
    namespace: kind.namespaced ? namespace || "default" : "default",
    labelSelector: `${labels.involvedKind}=${kind.kind},${labels.involvedName}=${name}`,
  });

  return {
    async apply(request, context) {
      const actor = context.values.get(principalKey)?.subject;
      const results = await access.apply(request, { api: true, dryRun: request.dryRun, defaultNamespace: request.defaultNamespace || "default", ...(actor ? { actor } : {}) });
      return { results: results.map((r) => ({ action: applyActions[r.action], ...r.identity, ...(request.returnObjects ? { object: r.object } : {}) })) };
    },
    async get(request) {
      return { object: await access.get(kindNamed(request.kind, request.apiVersion), request) };
    },
    async list(request, context) {
      const kind = kindNamed(request.kind, request.apiVersion);
      const page = await access.list(kind, {
        namespace: request.namespace,
        allNamespaces: request.allNamespaces,
        labelSelector: request.labelSelector,
        limit: request.pageSize > 0 ? Math.min(request.pageSize, maxPageSize) : 0,
        continue: request.pageToken,
      });
      // Across organizations (all namespaces, cluster-scoped kinds) only what the caller may read.
      const readable = readableBy(authorizer, context.values.get(principalKey), kind);
      return { items: page.items.filter(readable), nextPageToken: page.continue, resourceVersion: page.resourceVersion };
    },
    async delete(request) {
      const kind = kindNamed(request.kind, request.apiVersion);
      const object = await access.delete(kind, request, {
        propagationPolicy: propagationOf(request.propagationPolicy),
        ...(request.resourceVersion ? { resourceVersion: request.resourceVersion } : {}),
      });
      return { object };
    },
    async *watch(request, context) {
      const kind = kindNamed(request.kind, request.apiVersion);
      const readable = readableBy(authorizer, context.values.get(principalKey), kind);
      const binary = speaksBinary(context.requestHeader.get("content-type"));
      const events = watchEncoded(store, encoded, kind, {
        namespace: request.namespace,
        allNamespaces: request.allNamespaces,
        labelSelector: request.labelSelector,
        resourceVersion: request.resourceVersion,
        signal: context.signal,
      });
      for await (const event of events) {
        if (event.object && !readable(event.object.json)) continue;
        const response = create(WatchResponseSchema, { type: watchEventTypeOf(event.type), resourceVersion: event.resourceVersion });
        // The object's Struct bytes are built once per version and shared by every stream.
        if (event.object && binary) response.$unknown = [event.object.field(watchObjectField)];
        else if (event.object) response.object = event.object.json;
        yield response;
      }
    },
    async listEvents(request) {
      const kind = kindNamed(request.kind, request.apiVersion);
      const page = await access.list(eventKind, eventsAbout(kind, request.namespace, request.name));
      const events = page.items.map((e) => codec.decodeAs(EventSchema, e));
      events.sort((a, b) => Number(a.status?.lastTimestamp?.seconds ?? 0n) - Number(b.status?.lastTimestamp?.seconds ?? 0n));
      return { events, resourceVersion: page.resourceVersion };
    },
    watchMany: createWatchMany(deps),
    async *watchEvents(request, context) {
      const kind = kindNamed(request.kind, request.apiVersion);
      const events = access.watch(eventKind, { ...eventsAbout(kind, request.namespace, request.name), resourceVersion: request.resourceVersion, signal: context.signal });
      for await (const event of events) {
        if (!event.object) continue;
        yield { type: watchEventTypeOf(event.type), event: codec.decodeAs(EventSchema, event.object) };
      }
    },
  };
}

/** The kind a request names by `kind` (and `apiVersion`), as users type it; InvalidArgument otherwise. */
export function kindNamedIn(registry: KindRegistry, name: string, apiVersion: string): KindInfo {
  if (!name) throw new InvalidSpecError([{ path: "kind", message: "required" }]);
  const kind = registry.resolve(name, apiVersion || undefined);
  if (!kind) throw new InvalidSpecError([{ path: "kind", message: `unknown kind "${name}"${apiVersion ? ` in ${apiVersion}` : ""}` }]);
  return kind;
}
