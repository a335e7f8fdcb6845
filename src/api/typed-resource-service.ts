import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { Verb } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import { PropagationPolicy, WatchEventType } from "../../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import type { Codec, JsonObject, ResourceService } from "../model/index.js";
import type { PropagationPolicy as StorePropagation, WatchEventType as StoreEventType } from "../store/index.js";
import type { ResourceAccess } from "./resource-access.js";
import type { ResourceStore } from "../store/index.js";
import { speaksBinary, watchEncoded, type EncodedObjects } from "./encoded-objects.js";
import { principalKey, readableBy, type Authorizer } from "../auth/index.js";

type UnaryMethod = (request: Message, context: HandlerContext) => Promise<Message>;
type StreamMethod = (request: Message, context: HandlerContext) => AsyncIterable<Message>;

/** The most objects one page holds, whatever the client asks. */
export const maxPageSize = 1000;
/** A List's page size when the request asks for none. */
export const defaultPageSize = 100;

/**
 * One implementation for every typed resource service (OrganizationService, ProjectService, ...):
 * the service's options name its kind and each method's verb, and the request and response fields
 * follow the conventions describeResourceService checks. Returns the method implementations keyed by
 * their local names, for router.service.
 */
export function createTypedResourceService(
  described: ResourceService,
  deps: { readonly access: ResourceAccess; readonly codec: Codec; readonly authorizer?: Authorizer | undefined; readonly store: ResourceStore; readonly encoded: EncodedObjects },
): Record<string, UnaryMethod | StreamMethod> {
  const { kind } = described;
  const { access, codec, authorizer, store, encoded } = deps;
  const readable = (context: HandlerContext) => readableBy(authorizer, context.values.get(principalKey), kind);
  const field = (request: Message, name: string): unknown => (request as unknown as Record<string, unknown>)[name];
  const text = (request: Message, name: string): string => String(field(request, name) ?? "");
  const objectName = (verb: Verb) => described.methods.get(verb)!.objectField.localName;
  const typed = (json: JsonObject): Message => codec.decodeAs(kind.schema, json);
  const respond = (output: DescMessage, init: Record<string, unknown>): Message => create(output, init);

  const impl: Record<string, UnaryMethod | StreamMethod> = {};
  for (const [verb, { method }] of described.methods) {
    const name = method.localName;
    switch (verb) {
      case Verb.CREATE:
      case Verb.UPDATE:
        impl[name] = async (request, context) => {
          const object = field(request, objectName(verb)) as Message | undefined;
          const json = object ? codec.encode(object) : { apiVersion: kind.apiVersion, kind: kind.kind };
          const actor = context.values.get(principalKey)?.subject;
          const options = { api: true, dryRun: Boolean(field(request, "dryRun")), ...(actor ? { actor } : {}) };
          const stored = verb === Verb.CREATE ? await access.create(kind, json, options) : await access.update(kind, json, options);
          return respond(method.output, { [outputObjectField(method.output, kind.schema)]: typed(stored) });
        };
        break;
      case Verb.GET:
        impl[name] = async (request) => {
          const object = await access.get(kind, { namespace: text(request, "namespace"), name: text(request, "name") });
          return respond(method.output, { [objectName(verb)]: typed(object) });
        };
        break;
      case Verb.DELETE:
        impl[name] = async (request) => {
          const rv = text(request, "resourceVersion");
          const object = await access.delete(
            kind,
            { namespace: text(request, "namespace"), name: text(request, "name") },
            { propagationPolicy: propagationOf(field(request, "propagationPolicy") as PropagationPolicy), ...(rv ? { resourceVersion: rv } : {}) },
          );
          return respond(method.output, { [objectName(verb)]: typed(object) });
        };
        break;
      case Verb.LIST:
        impl[name] = async (request, context) => {
          const size = Number(field(request, "pageSize") ?? 0);
          const page = await access.list(kind, {
            namespace: text(request, "namespace"),
            labelSelector: text(request, "labelSelector"),
            limit: size > 0 ? Math.min(size, maxPageSize) : defaultPageSize,
            continue: text(request, "pageToken"),
          });
          return respond(method.output, {
            [objectName(verb)]: page.items.filter(readable(context)).map(typed),
            nextPageToken: page.continue,
            resourceVersion: page.resourceVersion,
          });
        };
        break;
      case Verb.WATCH:
        impl[name] = async function* (request, context) {
          const events = watchEncoded(store, encoded, kind, {
            namespace: text(request, "namespace"),
            labelSelector: text(request, "labelSelector"),
            resourceVersion: text(request, "resourceVersion"),
            signal: context.signal,
          });
          const visible = readable(context);
          const binary = speaksBinary(context.requestHeader.get("content-type"));
          const objectField = described.methods.get(verb)!.objectField;
          for await (const event of events) {
            if (event.object && !visible(event.object.json)) continue;
            const response = respond(method.output, { type: watchEventTypeOf(event.type), resourceVersion: event.resourceVersion });
            // The object's bytes are built once per version and shared by every stream.
            if (event.object && binary) response.$unknown = [event.object.field(objectField)];
            else if (event.object) (response as unknown as Record<string, unknown>)[objectField.localName] = event.object.message();
            yield response;
          }
        };
        break;
    }
  }
  return impl;
}

function outputObjectField(output: DescMessage, schema: DescMessage): string {
  return output.fields.find((f) => f.message?.typeName === schema.typeName)!.localName;
}

export function propagationOf(policy: PropagationPolicy | undefined): StorePropagation {
  switch (policy) {
    case PropagationPolicy.FOREGROUND:
      return "Foreground";
    case PropagationPolicy.ORPHAN:
      return "Orphan";
    default:
      return "Background";
  }
}

export function watchEventTypeOf(type: StoreEventType): WatchEventType {
  return {
    ADDED: WatchEventType.ADDED,
    MODIFIED: WatchEventType.MODIFIED,
    DELETED: WatchEventType.DELETED,
    BOOKMARK: WatchEventType.BOOKMARK,
  }[type];
}
