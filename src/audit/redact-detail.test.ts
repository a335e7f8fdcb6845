import { describe, expect, it } from "vitest";
import { redactDetail } from "./redact-detail.js";

describe("redactDetail", () => {
  it("replaces API tokens and JWTs a message quotes, and bounds its length", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    expect(redactDetail(`token choreo_Zx9kLm2Qp8Rt4Vw6Yb1Nc3 is unknown; bearer ${jwt} expired`)).toBe("token [redacted] is unknown; bearer [redacted] expired");
    expect(redactDetail("metadata.name: must be a DNS-1123 label")).toBe("metadata.name: must be a DNS-1123 label");
    expect(redactDetail("x".repeat(5000))).toHaveLength(1024);
  });
});
