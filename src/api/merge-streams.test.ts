import { describe, expect, it } from "vitest";
import { mergeStreams } from "./merge-streams.js";

/** A source whose items the test releases one by one, and which records whether it was ended. */
function controlled<T>() {
  const waiting: ((r: IteratorResult<T>) => void)[] = [];
  const queued: IteratorResult<T>[] = [];
  let failure: Error | undefined;
  const state = { returned: false };
  const iterable: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (failure) return Promise.reject(failure);
        const r = queued.shift();
        return r ? Promise.resolve(r) : new Promise((resolve) => waiting.push(resolve));
      },
      return: async () => {
        state.returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  const deliver = (r: IteratorResult<T>) => {
    const w = waiting.shift();
    if (w) w(r);
    else queued.push(r);
  };
  return {
    iterable,
    state,
    push: (value: T) => deliver({ done: false, value }),
    end: () => deliver({ done: true, value: undefined }),
    fail: (err: Error) => {
      failure = err;
      const w = waiting.shift();
      if (w) w(Promise.reject(err) as never);
    },
  };
}

describe("mergeStreams", () => {
  it("yields items in arrival order, tagged with their source, and ends when every source has", async () => {
    const a = controlled<string>();
    const b = controlled<string>();
    const merged = mergeStreams([a.iterable, b.iterable]);
    b.push("b1");
    expect((await merged.next()).value).toEqual({ index: 1, value: "b1" });
    a.push("a1");
    expect((await merged.next()).value).toEqual({ index: 0, value: "a1" });
    a.end();
    b.push("b2");
    expect((await merged.next()).value).toEqual({ index: 1, value: "b2" });
    b.end();
    expect((await merged.next()).done).toBe(true);
  });

  it("ends every open source when the reader stops early", async () => {
    const a = controlled<number>();
    const b = controlled<number>();
    const merged = mergeStreams([a.iterable, b.iterable]);
    a.push(1);
    await merged.next();
    await merged.return(undefined);
    expect(a.state.returned).toBe(true);
    expect(b.state.returned).toBe(true);
  });

  it("fails with the first source's error and ends the others", async () => {
    const a = controlled<number>();
    const b = controlled<number>();
    const merged = mergeStreams([a.iterable, b.iterable]);
    const next = merged.next();
    a.fail(new Error("too old: relist"));
    await expect(next).rejects.toThrow("too old: relist");
    expect(b.state.returned).toBe(true);
  });
});
