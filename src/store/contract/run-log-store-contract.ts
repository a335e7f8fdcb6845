import { afterEach, describe, expect, it } from "vitest";
import { isFailedPreconditionError, isInvalidSpecError } from "../../errors/index.js";
import type { LogChunk, LogStore } from "../log-store.js";
import { rejection, withTimeout } from "./contract-fixtures.js";

/** Opens a new, empty log store keeping at most maxBytesPerBuild bytes per build. */
export type MakeLogStore = (options: { maxBytesPerBuild: number }) => LogStore | Promise<LogStore>;

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (chunks: readonly LogChunk[]) => chunks.map((c) => new TextDecoder().decode(c.data)).join("");

/** Reads a follow step by step, each step bounded by a timeout. */
function follower(store: LogStore, build: string, fromOffset = 0) {
  const abort = new AbortController();
  const iterator = store.follow(build, { fromOffset, signal: abort.signal })[Symbol.asyncIterator]();
  return {
    async next(): Promise<LogChunk | undefined> {
      const result = await withTimeout(iterator.next(), 5_000, "a log chunk");
      return result.done ? undefined : result.value;
    },
    /** Chunks until their text adds up to `expected`. */
    async text(expected: string): Promise<string> {
      let seen = "";
      while (seen.length < expected.length) {
        const chunk = await this.next();
        if (!chunk) break;
        seen += text([chunk]);
      }
      return seen;
    },
    stop: () => abort.abort(),
  };
}

/** The log store contract: call it from an adapter's test file. */
export function runLogStoreContract(name: string, makeLogStore: MakeLogStore): void {
  describe(`log store contract: ${name}`, () => {
    const opened: LogStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    const open = async (maxBytesPerBuild = 1_000) => {
      const store = await makeLogStore({ maxBytesPerBuild });
      opened.push(store);
      return store;
    };

    it("reads appended bytes back in order, from any offset", async () => {
      const store = await open();
      await store.append("b1", 0, bytes("hello "));
      await store.append("b1", 6, bytes("world\n"));
      const all = await store.read("b1");
      expect(text(all.chunks)).toBe("hello world\n");
      expect(all).toMatchObject({ nextOffset: 12, truncated: false, complete: false });
      const middle = await store.read("b1", 3);
      expect(text(middle.chunks)).toBe("lo world\n");
      expect(middle.chunks[0]!.offset).toBe(3);
      expect((await store.read("b1", 12)).chunks).toEqual([]);
      expect(await store.read("other")).toEqual({ chunks: [], nextOffset: 0, truncated: false, complete: false });
    });

    it("drops bytes it already holds, so a resend after a reconnect duplicates nothing", async () => {
      const store = await open();
      await store.append("b1", 0, bytes("abc"));
      await store.append("b1", 0, bytes("abc"));
      await store.append("b1", 1, bytes("bcdef"));
      await store.append("b1", 3, bytes("de"));
      expect(text((await store.read("b1")).chunks)).toBe("abcdef");
      expect((await store.read("b1")).nextOffset).toBe(6);
    });

    it("keeps a gap when a chunk starts past the end", async () => {
      const store = await open();
      await store.append("b1", 0, bytes("ab"));
      await store.append("b1", 5, bytes("fg"));
      const read = await store.read("b1");
      expect(read.chunks.map((c) => [c.offset, text([c])])).toEqual([
        [0, "ab"],
        [5, "fg"],
      ]);
      expect(read.nextOffset).toBe(7);
    });

    it("keeps at most the cap per build, dropping the oldest bytes, and says so", async () => {
      const store = await open(10);
      for (let i = 0; i < 5; i++) await store.append("b1", i * 5, bytes(`${i}${i}${i}${i}${i}`));
      await store.append("b2", 0, bytes("small"));
      const read = await store.read("b1");
      expect(text(read.chunks)).toBe("3333344444");
      expect(read.truncated).toBe(true);
      expect(read.chunks[0]!.offset).toBe(15);
      expect((await store.read("b1", 15)).truncated).toBe(false);
      await store.append("b1", 25, bytes("555"));
      const trimmed = await store.read("b1", 17);
      expect(text(trimmed.chunks)).toBe("3344444555");
      expect(trimmed.chunks[0]!.offset).toBe(18);
      expect(trimmed.truncated).toBe(true);
      expect(text((await store.read("b2")).chunks)).toBe("small");
    });

    it("follows: what is held, then new chunks, until the log completes", async () => {
      const store = await open();
      await store.append("b1", 0, bytes("one\n"));
      const follow = follower(store, "b1");
      expect(await follow.text("one\n")).toBe("one\n");
      const pending = follow.next();
      await store.append("b1", 4, bytes("two\n"));
      expect(text([(await pending)!])).toBe("two\n");
      await store.append("b1", 0, bytes("one\ntwo\n"));
      await store.append("b1", 8, bytes("three\n"));
      await store.complete("b1");
      expect(await follow.text("three\n")).toBe("three\n");
      expect(await follow.next()).toBeUndefined();
      expect((await store.read("b1")).complete).toBe(true);
    });

    it("resumes a follow from an offset without repeating anything", async () => {
      const store = await open();
      await store.append("b1", 0, bytes("abcdef"));
      const follow = follower(store, "b1", 4);
      expect(await follow.text("ef")).toBe("ef");
      follow.stop();
      expect(await follow.next()).toBeUndefined();
    });

    it("ends a follow when the log is deleted or the store closes", async () => {
      const store = await open();
      await store.append("b1", 0, bytes("x"));
      const follow = follower(store, "b1");
      expect(await follow.text("x")).toBe("x");
      const ended = follow.next();
      await store.delete("b1");
      expect(await ended).toBeUndefined();
      expect(await store.read("b1")).toEqual({ chunks: [], nextOffset: 0, truncated: false, complete: false });
      const waiting = follower(store, "b2");
      const closing = waiting.next();
      await store.close();
      expect(await closing).toBeUndefined();
    });

    it("refuses new bytes for a complete log, but still takes a resend of what it holds", async () => {
      const store = await open();
      await store.append("b1", 0, bytes("done"));
      await store.complete("b1");
      await store.append("b1", 0, bytes("done"));
      const error = await rejection(store.append("b1", 4, bytes("more")));
      expect(isFailedPreconditionError(error)).toBe(true);
      expect(error.message).toContain("b1");
    });

    it("copies bytes in and out", async () => {
      const store = await open();
      const data = bytes("abc");
      await store.append("b1", 0, data);
      data[0] = 0x7a;
      const read = await store.read("b1");
      read.chunks[0]!.data[1] = 0x7a;
      expect(text((await store.read("b1")).chunks)).toBe("abc");
    });

    it("refuses a negative or fractional offset and an empty build key", async () => {
      const store = await open();
      expect(isInvalidSpecError(await rejection(store.append("b1", -1, bytes("x"))))).toBe(true);
      expect(isInvalidSpecError(await rejection(store.read("b1", 1.5)))).toBe(true);
      expect(isInvalidSpecError(await rejection(store.append("", 0, bytes("x"))))).toBe(true);
    });
  });
}
