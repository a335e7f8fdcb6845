import type { MethodImpl } from "@connectrpc/connect";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { InvalidSpecError, isInvalidSpecError } from "../errors/index.js";
import type { Codec, KindInfo } from "../model/index.js";
import { principalKey, readableBy, type Authorizer } from "../auth/index.js";
import type { ResourceAccess } from "./resource-access.js";
import { mergeStreams } from "./merge-streams.js";
import { kindNamedIn } from "./resource-service.js";
import { watchEventTypeOf } from "./typed-resource-service.js";

/** A page watches a handful of lists; hundreds of watches on one stream are abuse, not a console. */
export const maxWatchesPerStream = 32;

/**
 * ResourceService.WatchMany: several watches on one stream, each filtered as Watch filters it (across
 * organizations, only what the caller may read), every response naming its watch by index. The
 * guard has checked each watch's read permission (permission-table.ts) before this runs.
 */
export function createWatchMany(deps: { readonly access: ResourceAccess; readonly codec: Codec; readonly authorizer?: Authorizer | undefined }): MethodImpl<typeof ResourceService.method.watchMany> {
  const { access, codec, authorizer } = deps;
  const kindAt = (name: string, apiVersion: string, index: number): KindInfo => {
    try {
      return kindNamedIn(codec.registry, name, apiVersion);
    } catch (err) {
      if (!isInvalidSpecError(err)) throw err;
      throw new InvalidSpecError(err.violations.map((v) => ({ ...v, path: `watches[${index}].${v.path}` })));
    }
  };

  return async function* watchMany(request, context) {
    const { watches } = request;
    if (watches.length === 0) throw new InvalidSpecError([{ path: "watches", message: "required: at least one watch" }]);
    if (watches.length > maxWatchesPerStream) throw new InvalidSpecError([{ path: "watches", message: `at most ${maxWatchesPerStream} watches, got ${watches.length}` }]);
    const kinds = watches.map((w, i) => kindAt(w.kind, w.apiVersion, i));
    const principal = context.values.get(principalKey);
    // One signal for every watch: the client leaving, or one watch failing, ends them all.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    context.signal.addEventListener("abort", onAbort, { once: true });
    const streams = kinds.map((kind, i) => {
      const w = watches[i]!;
      const readable = readableBy(authorizer, principal, kind);
      const events = access.watch(kind, { namespace: w.namespace, allNamespaces: w.allNamespaces, labelSelector: w.labelSelector, resourceVersion: w.resourceVersion, signal: stop.signal });
      return { events, readable };
    });
    try {
      for await (const { index, value: event } of mergeStreams(streams.map((s) => s.events))) {
        if (event.object && !streams[index]!.readable(event.object)) continue;
        yield { watch: index, type: watchEventTypeOf(event.type), ...(event.object ? { object: event.object } : {}), resourceVersion: event.resourceVersion };
      }
    } finally {
      context.signal.removeEventListener("abort", onAbort);
      stop.abort();
    }
  };
}
