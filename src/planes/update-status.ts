import { clone, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { messageEquals } from "../model/message-equals.js";
import { statusSchemaOf } from "../controllers/object-status.js";
import { isConflictError, isNotFoundError } from "../errors/index.js";
import type { ObjectKey, ResourceObject, ResourceStore } from "../store/index.js";

const attempts = 8;

/**
 * Read-modify-write of one object's status: `mutate` changes the fresh copy in place (everything it
 * leaves alone, conditions included, is kept) or returns false to skip. A write that changes nothing
 * is skipped, so an unchanged report wakes no watcher. Retries on Conflict; undefined when the object
 * is gone or the mutation declined.
 */
export async function updateStatus<D extends DescMessage>(
  store: ResourceStore,
  schema: D,
  key: ObjectKey,
  mutate: (object: MessageShape<D>) => boolean,
): Promise<MessageShape<D> | undefined> {
  const statusSchema = statusSchemaOf(schema);
  for (let attempt = 1; ; attempt++) {
    let object: MessageShape<D>;
    try {
      object = await store.get(schema, key);
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
    const resource = object as ResourceObject;
    const before = resource.status ? clone(statusSchema, resource.status) : undefined;
    if (!mutate(object)) return undefined;
    if (before && resource.status && messageEquals(statusSchema, before, resource.status)) return object;
    try {
      return await store.updateStatus(schema, object);
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      if (!isConflictError(err) || attempt >= attempts) throw err;
    }
  }
}
