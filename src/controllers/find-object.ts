import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { FieldIndex, Reader } from "../core/index.js";
import { isNotFoundError } from "../errors/index.js";
import type { ObjectKey } from "../store/index.js";

/** Anything that gets objects by key: the cached reader of a reconcile, or the store itself. */
interface Getter {
  get<D extends DescMessage>(schema: D, key: ObjectKey): Promise<MessageShape<D>>;
}

/** The object, or undefined when there is none (an empty name finds nothing): absence is a state, not an error. */
export async function findObject<D extends DescMessage>(reader: Getter, schema: D, key: ObjectKey): Promise<MessageShape<D> | undefined> {
  if (!key.name) return undefined;
  try {
    return await reader.get(schema, key);
  } catch (err) {
    if (isNotFoundError(err)) return undefined;
    throw err;
  }
}

const byName: FieldIndex = { name: "metadata.name", values: (object) => [object.metadata?.name ?? ""] };

/**
 * The cache's own object, frozen and shared, or undefined: no copy, for a reconcile that only reads
 * it (a Release's manifests are most of a copy's cost); copy it (copyMessage) to change it.
 */
export async function findShared<D extends DescMessage>(reader: Reader, schema: D, key: ObjectKey): Promise<MessageShape<D> | undefined> {
  if (!key.name) return undefined;
  const [found] = await reader.list(schema, { namespace: key.namespace, field: { index: byName, value: key.name } });
  return found;
}
