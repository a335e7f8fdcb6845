/**
 * Several async streams as one, each item tagged with the index of the stream it came from, in the
 * order items arrive. Each source is asked for its next item only once its previous one was taken
 * (backpressure per source); the first source to fail fails the whole, and returning early (the
 * caller stops reading) returns every source, so their watches end.
 */
export async function* mergeStreams<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<{ readonly index: number; readonly value: T }> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pull = (index: number) => iterators[index]!.next().then((result) => ({ index, result }));
  const pending = new Map(iterators.map((_, i) => [i, pull(i)]));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pending.set(index, pull(index));
      yield { index, value: result.value };
    }
  } finally {
    // Sources still open (the caller stopped early, or one failed) are told to finish, without
    // waiting: an async generator handles return() only after its pending next() settles, which for
    // an idle watch is never (the caller aborts their signal to end them at once).
    for (const i of pending.keys()) iterators[i]!.return?.().catch(() => undefined);
  }
}
