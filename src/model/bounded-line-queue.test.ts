import { describe, expect, it } from "vitest";
import { createBoundedLineQueue } from "./bounded-line-queue.js";

const queue = (maxLines: number, maxBytes: number) => createBoundedLineQueue<string>({ maxLines, maxBytes, sizeOf: (l) => l.length });

describe("bounded line queue", () => {
  it("keeps lines in order and takes them up to a byte limit", () => {
    const q = queue(10, 100);
    q.push(["aaaa", "bbbb", "cccc"]);
    expect(q.take(8)).toEqual({ lines: ["aaaa", "bbbb"], dropped: 0 });
    expect(q.take(8)).toEqual({ lines: ["cccc"], dropped: 0 });
    expect(q.take(8)).toBeUndefined();
  });

  it("drops what does not fit, in lines or bytes, and marks the gap before the next line that fits", () => {
    const q = queue(2, 100);
    q.push(["one", "two", "three", "four"]);
    expect(q.take(100)).toEqual({ lines: ["one", "two"], dropped: 0 });
    q.push(["five"]);
    // The gap sits between "two" and "five": its count comes with "five", never merged into the earlier batch.
    expect(q.take(100)).toEqual({ lines: ["five"], dropped: 2 });

    const bytes = queue(100, 10);
    bytes.push(["12345", "67890", "x"]);
    bytes.push([]);
    expect(bytes.take(100)).toEqual({ lines: ["12345", "67890"], dropped: 0 });
  });

  it("stops a batch at a gap, and reports a trailing gap with no line after it", () => {
    const q = queue(1, 100);
    q.push(["a", "b"]);
    expect(q.take(100)).toEqual({ lines: ["a"], dropped: 0 });
    q.push(["c"]);
    q.addDropped(3);
    expect(q.take(100)).toEqual({ lines: ["c"], dropped: 1 });
    expect(q.take(100)).toEqual({ lines: [], dropped: 3 });
    expect(q.take(100)).toBeUndefined();
  });

  it("accepts one line larger than the byte bound when empty, so a long line is never lost for its size alone", () => {
    const q = queue(10, 4);
    q.push(["a very long line"]);
    expect(q.take(1)).toEqual({ lines: ["a very long line"], dropped: 0 });
  });
});
