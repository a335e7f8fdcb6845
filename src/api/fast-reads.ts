import { create, type Message } from "@bufbuild/protobuf";
import { Verb } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import { GetResponseSchema, ListResponseSchema, ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { allFiles } from "../../gen/index.js";
import { principalKey, readableBy } from "../auth/index.js";
import { describeResourceService, type KindInfo } from "../model/index.js";
import type { FastCallContext, FastUnaryMethod } from "../server/index.js";
import type { ResourceObject } from "../store/index.js";
import { preEncoded, type EncodedObject, type EncodedObjects } from "./encoded-objects.js";
import type { AccessListOptions } from "./resource-access.js";
import type { ResourceRouteDeps } from "./resource-routes.js";
import { kindNamedIn } from "./resource-service.js";
import { storeListOptions } from "./store-query-options.js";
import { defaultPageSize, maxPageSize } from "./typed-resource-service.js";

/**
 * The reads served by the native gRPC fast path: Get and List of ResourceService and of every typed
 * resource service, answering what their Connect implementations answer (the same store reads,
 * redaction and visibility filter) with each object's encoding taken from the encoded-objects cache.
 */
export function fastReadMethods(deps: ResourceRouteDeps & { readonly encoded: EncodedObjects }): FastUnaryMethod[] {
  const { store, codec, encoded } = deps;
  const authorizer = deps.accessControl?.authorizer;
  const field = (request: Message, name: string): unknown => (request as unknown as Record<string, unknown>)[name];
  const text = (request: Message, name: string): string => String(field(request, name) ?? "");

  /** One page as ResourceAccess.list reads it, each item encoded once per version; only what the caller may read. */
  const page = async (kind: KindInfo, query: AccessListOptions, context: FastCallContext) => {
    const result = await store.list(kind.schema, storeListOptions(kind, query));
    const readable = readableBy(authorizer, context.values.get(principalKey), kind);
    const items: EncodedObject[] = [];
    for (const object of result.items) {
      const item = encoded.of(kind, object as ResourceObject);
      if (readable(item.json)) items.push(item);
    }
    return { items, nextPageToken: result.continue, resourceVersion: result.resourceVersion };
  };

  const methods: FastUnaryMethod[] = [];
  for (const service of allFiles.flatMap((f) => f.services)) {
    const described = describeResourceService(service, codec.registry);
    if (!described) continue;
    const { kind } = described;
    const get = described.methods.get(Verb.GET)!;
    const list = described.methods.get(Verb.LIST)!;
    methods.push(
      {
        method: get.method as FastUnaryMethod["method"],
        async run(request) {
          const object = await encoded.get(kind, { namespace: text(request, "namespace"), name: text(request, "name") });
          return preEncoded(get.method.output, [object.field(get.objectField)]);
        },
      },
      {
        method: list.method as FastUnaryMethod["method"],
        async run(request, context) {
          const size = Number(field(request, "pageSize") ?? 0);
          const query = { namespace: text(request, "namespace"), labelSelector: text(request, "labelSelector"), limit: size > 0 ? Math.min(size, maxPageSize) : defaultPageSize, continue: text(request, "pageToken") };
          const { items, ...rest } = await page(kind, query, context);
          const response = create(list.method.output, rest as never) as Message;
          response.$unknown = items.map((item) => item.field(list.objectField));
          return response;
        },
      },
    );
  }

  const objectField = GetResponseSchema.field.object!;
  const itemsField = ListResponseSchema.field.items!;
  methods.push(
    {
      method: ResourceService.method.get,
      async run(message) {
        const request = message as unknown as { kind: string; apiVersion: string; namespace: string; name: string };
        const object = await encoded.get(kindNamedIn(codec.registry, request.kind, request.apiVersion), request);
        return preEncoded(GetResponseSchema, [object.field(objectField)]);
      },
    },
    {
      method: ResourceService.method.list,
      async run(message, context) {
        const request = message as unknown as { kind: string; apiVersion: string; namespace: string; allNamespaces: boolean; labelSelector: string; pageSize: number; pageToken: string };
        const kind = kindNamedIn(codec.registry, request.kind, request.apiVersion);
        const query = { ...request, limit: request.pageSize > 0 ? Math.min(request.pageSize, maxPageSize) : 0, continue: request.pageToken };
        const { items, ...rest } = await page(kind, query, context);
        const response = create(ListResponseSchema, rest) as Message;
        response.$unknown = items.map((item) => item.field(itemsField));
        return response;
      },
    },
  );
  return methods;
}
