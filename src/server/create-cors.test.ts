import { describe, expect, it } from "vitest";
import { createCors } from "./create-cors.js";

function call(allowed: string[], method: string, headers: Record<string, string>) {
  const set: Record<string, string> = {};
  let status: number | undefined;
  const handled = createCors(allowed)(
    { method, headers },
    { setHeader: (k: string, v: string) => (set[k] = v), writeHead: (s: number) => (status = s), end: () => undefined },
  );
  return { handled, headers: set, status };
}

const preflight = { origin: "http://localhost:5173", "access-control-request-method": "POST" };

describe("cors", () => {
  it("answers a preflight from an allowed origin with what Connect and gRPC-Web need", () => {
    const res = call(["http://localhost:5173"], "OPTIONS", preflight);
    expect(res).toMatchObject({ handled: true, status: 204 });
    expect(res.headers).toMatchObject({
      "access-control-allow-origin": "http://localhost:5173",
      "access-control-allow-methods": "POST, GET",
      vary: "origin",
    });
    expect(res.headers["access-control-allow-headers"]).toMatch(/connect-protocol-version.*x-grpc-web.*x-request-id/i);
  });

  it("lets an allowed origin read the headers Connect and gRPC-Web report status in", () => {
    const res = call(["http://localhost:5173"], "POST", { origin: "http://localhost:5173" });
    expect(res.handled).toBe(false);
    expect(res.headers["access-control-expose-headers"]).toMatch(/grpc-status.*grpc-message.*x-request-id/i);
  });

  it("allows any origin with *", () => {
    expect(call(["*"], "OPTIONS", { ...preflight, origin: "https://x.example" }).headers["access-control-allow-origin"]).toBe("*");
  });

  it("says nothing to other origins, or when no origin is configured", () => {
    expect(call(["http://localhost:5173"], "OPTIONS", { ...preflight, origin: "http://evil.example" })).toEqual({
      handled: false,
      headers: {},
      status: undefined,
    });
    expect(call([], "OPTIONS", preflight).handled).toBe(false);
  });
});
