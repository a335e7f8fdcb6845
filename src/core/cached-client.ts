import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { FailedPreconditionError, NotFoundError } from "../errors/index.js";
import { copyMessage, parseLabelSelector } from "../model/index.js";
import type { ObjectKey, ResourceStore } from "../store/index.js";
import type { FieldMatch } from "./field-index.js";
import type { Informer } from "./informer.js";

export interface CacheListOptions {
  /** Only this namespace; all when undefined or "". */
  readonly namespace?: string;
  /** A Kubernetes label selector, as the store accepts it. */
  readonly labelSelector?: string;
  /** Only objects with an ownerReference to this uid: an owner's children, without a scan. */
  readonly ownerUid?: string;
  /** Only objects with this value in a field index, e.g. the bindings that connect to a component. */
  readonly field?: FieldMatch;
}

/** Reads from the informers' caches: fast, and possibly a little behind the store. */
export interface Reader {
  /** NotFoundError when the cache holds no such object. A copy: the caller may change and write it. */
  get<D extends DescMessage>(schema: D, key: ObjectKey): Promise<MessageShape<D>>;
  /**
   * In namespace/name order, like the store. The objects are the cache's own, shared and frozen:
   * read them, or copy one (`clone`) to change and write it.
   */
  list<D extends DescMessage>(schema: D, options?: CacheListOptions): Promise<MessageShape<D>[]>;
}

/** Writes go straight to the store, with its concurrency checks (ConflictError on a stale read). */
export type Writer = Pick<ResourceStore, "create" | "update" | "updateStatus" | "delete">;

/**
 * What a reconciler is given: reads from the cache, writes to the store (controller-runtime's
 * default client). A read may not yet show the reconciler's own last write; writes carrying the
 * resourceVersion they read fail with ConflictError rather than overwrite newer state, and the
 * retry reads again.
 */
export interface Client extends Reader, Writer {}

export interface CachedClientOptions {
  readonly store: ResourceStore;
  /** The shared informer of a kind, started on first use. */
  readonly informerFor: (schema: DescMessage) => Informer;
}

export function createCachedClient(options: CachedClientOptions): Client {
  const { store, informerFor } = options;

  const syncedInformer = async (schema: DescMessage): Promise<Informer> => {
    const informer = informerFor(schema);
    if (!(await informer.waitForSync())) {
      throw new FailedPreconditionError(`the ${informer.kind} cache is stopped`);
    }
    return informer;
  };

  return {
    async get<D extends DescMessage>(schema: D, key: ObjectKey): Promise<MessageShape<D>> {
      const informer = await syncedInformer(schema);
      const object = informer.cache.get(key.namespace, key.name);
      if (!object) {
        const where = key.namespace ? `${key.namespace}/${key.name}` : key.name;
        throw new NotFoundError(`${informer.kind} "${where}" not found`);
      }
      // Cached objects are shared by every reader: hand out copies, as the store does.
      return copyMessage(schema, object) as unknown as MessageShape<D>;
    },
    async list<D extends DescMessage>(schema: D, listOptions: CacheListOptions = {}): Promise<MessageShape<D>[]> {
      const informer = await syncedInformer(schema);
      const found = informer.cache.list({
        namespace: listOptions.namespace,
        selector: listOptions.labelSelector ? parseLabelSelector(listOptions.labelSelector) : undefined,
        ownerUid: listOptions.ownerUid,
        field: listOptions.field,
      });
      // No copies: a list of a thousand objects would copy a thousand (the cost that made convergence
      // quadratic); the objects are frozen, so no reader can change what the others see.
      return found as unknown as MessageShape<D>[];
    },
    create: (schema, object) => store.create(schema, object),
    update: (schema, object) => store.update(schema, object),
    updateStatus: (schema, object) => store.updateStatus(schema, object),
    delete: (schema, key, deleteOptions) => store.delete(schema, key, deleteOptions),
  };
}
