/** Splits items into batches whose estimated sizes stay under limit; an item larger than limit goes alone. */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, limit: number): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = sizeOf(item);
    if (batch.length > 0 && size + itemSize > limit) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(item);
    size += itemSize;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
