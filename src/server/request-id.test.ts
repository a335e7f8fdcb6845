import { describe, expect, it } from "vitest";
import { resolveRequestId } from "./request-id.js";

describe("resolveRequestId", () => {
  it("keeps a plain id the client sent", () => {
    expect(resolveRequestId("abc-123_x.y:z@w")).toBe("abc-123_x.y:z@w");
    expect(resolveRequestId(["first", "second"])).toBe("first");
  });

  it.each([undefined, "", "has space", 'quote"', "x".repeat(129), "line\nbreak"])(
    "makes up a fresh id instead of %j",
    (sent) => {
      const id = resolveRequestId(sent);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(resolveRequestId(sent)).not.toBe(id);
    },
  );
});
