import { describe, expect, it } from "vitest";
import { createBuildLogBuffer } from "./build-log-buffer.js";
import type { BuildLogChunk } from "./driver.js";

const chunk = (offset: number, data: string, eof = false, buildId = "acme/b1", step = "clone-step"): BuildLogChunk => ({
  buildId,
  step,
  offset,
  data: new TextEncoder().encode(data),
  eof,
});
const text = (c: BuildLogChunk | undefined) => (c ? new TextDecoder().decode(c.data) : undefined);

describe("build log buffer", () => {
  it("keeps only what is new: a driver repeating its log from offset 0 adds nothing", () => {
    const buffer = createBuildLogBuffer({ maxBytesPerBuild: 1024, retainMs: 1000, now: () => 0 });
    expect(text(buffer.add(chunk(0, "one\n")))).toBe("one\n");
    expect(buffer.add(chunk(0, "one\n"))).toBeUndefined();
    const overlapping = buffer.add(chunk(2, "e\ntwo\n"));
    expect(overlapping).toMatchObject({ offset: 4 });
    expect(text(overlapping)).toBe("two\n");
    expect(buffer.replay().map((c) => [c.offset, text(c), c.eof])).toEqual([
      [0, "one\n", false],
      [4, "two\n", false],
    ]);
  });

  it("marks the last chunk of a finished build eof on replay, an empty eof included", () => {
    const buffer = createBuildLogBuffer({ maxBytesPerBuild: 1024, retainMs: 1000, now: () => 0 });
    buffer.add(chunk(0, "a\n"));
    expect(buffer.add(chunk(2, "", true))).toMatchObject({ offset: 2, eof: true });
    expect(buffer.add(chunk(2, "", true))).toBeUndefined();
    buffer.add(chunk(0, "", true, "acme/empty"));
    expect(buffer.replay().map((c) => [c.buildId, c.offset, text(c), c.eof])).toEqual([
      ["acme/b1", 0, "a\n", true],
      ["acme/empty", 0, "", true],
    ]);
  });

  it("keeps at most the newest bytes of a build, and finished builds only for the retention time", () => {
    let now = 0;
    const buffer = createBuildLogBuffer({ maxBytesPerBuild: 6, retainMs: 1000, now: () => now });
    buffer.add(chunk(0, "0123"));
    buffer.add(chunk(4, "4567", false, "acme/b1", "build-step"));
    expect(buffer.replay().map((c) => [c.step, c.offset, text(c)])).toEqual([
      ["clone-step", 2, "23"],
      ["build-step", 4, "4567"],
    ]);
    buffer.add(chunk(8, "", true));
    buffer.add(chunk(0, "running", false, "acme/b2"));
    now = 1001;
    expect(buffer.replay().map((c) => c.buildId)).toEqual(["acme/b2"]);
  });
});
