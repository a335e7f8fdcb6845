import { create, toJson } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import type { Interceptor } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponseSchema } from "../../gen/health/v1/health_pb.js";
import { InvalidSpecError, NotFoundError } from "../errors/index.js";
import { captureLogger } from "../../test/support/capture-logger.js";
import { createErrorBoundary } from "./error-boundary.js";
import { requestIdKey } from "./request-id.js";

// The request's `service` field picks what the handler throws.
function fail(what: string): never {
  switch (what) {
    case "not-found":
      throw new NotFoundError("project p not found");
    case "invalid":
      throw new InvalidSpecError([{ path: "spec.x", message: "required" }]);
    case "connect":
      throw new ConnectError("try later", Code.Unavailable);
    default:
      throw new TypeError("cannot read properties of undefined (secret internals)");
  }
}

function setup() {
  const { logger, lines } = captureLogger();
  const tagRequest: Interceptor = (next) => (req) => {
    req.contextValues.set(requestIdKey, "req-42");
    return next(req);
  };
  const transport = createRouterTransport(
    (router) =>
      router.service(Health, {
        check: (req) => fail(req.service),
        async *watch(req) {
          yield create(HealthCheckResponseSchema, {});
          fail(req.service);
        },
      }),
    { router: { interceptors: [tagRequest, createErrorBoundary(logger)] } },
  );
  return { client: createClient(Health, transport), lines };
}

async function errorOf(p: Promise<unknown>): Promise<ConnectError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(err)}`);
  return err;
}

async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of stream) n++;
  return n;
}

describe("error boundary", () => {
  it("maps a domain error from a unary method", async () => {
    const { client, lines } = setup();
    const err = await errorOf(client.check({ service: "not-found" }));
    expect([err.code, err.rawMessage]).toEqual([Code.NotFound, "project p not found"]);
    expect(lines.filter((l) => l["level"] === 50)).toEqual([]);
  });

  it("sends InvalidSpec's field violations as a detail the client can decode", async () => {
    const { client } = setup();
    const err = await errorOf(client.check({ service: "invalid" }));
    expect([err.code, err.rawMessage]).toEqual([Code.InvalidArgument, "spec.x: required"]);
    const [detail] = err.findDetails(StructSchema);
    expect(detail && toJson(StructSchema, detail)).toEqual({
      fieldViolations: [{ field: "spec.x", description: "required" }],
    });
  });

  it("passes a ConnectError through", async () => {
    const { client } = setup();
    const err = await errorOf(client.check({ service: "connect" }));
    expect([err.code, err.rawMessage]).toEqual([Code.Unavailable, "try later"]);
  });

  it("turns an unexpected error into a generic Internal and logs its cause with the request id", async () => {
    const { client, lines } = setup();
    const err = await errorOf(client.check({ service: "bug" }));
    expect([err.code, err.rawMessage]).toEqual([Code.Internal, "internal error"]);
    expect(err.message).not.toContain("secret");
    const logged = lines.find((l) => l["msg"] === "unexpected error in rpc");
    expect(logged).toMatchObject({
      level: 50,
      reqId: "req-42",
      rpc: "grpc.health.v1.Health/Check",
      err: { type: "TypeError", message: expect.stringContaining("secret internals") },
    });
  });

  it("maps errors raised while a server stream runs, after the messages already sent", async () => {
    const { client, lines } = setup();
    let received = 0;
    const err = await errorOf(
      (async () => {
        for await (const _ of client.watch({ service: "not-found" })) received++;
      })(),
    );
    expect(received).toBe(1);
    expect(err.code).toBe(Code.NotFound);

    const internal = await errorOf(drain(client.watch({ service: "bug" })));
    expect([internal.code, internal.rawMessage]).toEqual([Code.Internal, "internal error"]);
    expect(lines.some((l) => l["msg"] === "unexpected error in rpc" && l["rpc"] === "grpc.health.v1.Health/Watch")).toBe(
      true,
    );
  });
});
