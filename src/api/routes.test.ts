import type { DescMethod, DescMethodStreaming, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createConnectRouter, createRouterTransport } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { LoginService } from "../../gen/openchoreo/api/v1alpha1/login_service_pb.js";
import { createDescriptorIndex } from "./descriptor-index.js";
import { createHealthStatus } from "./health-status.js";
import { routes, servedServices } from "./routes.js";

const deps = () => ({ health: createHealthStatus(), descriptors: createDescriptorIndex(allFiles) });
const declared: DescService[] = allFiles.flatMap((f) => f.services);

/** Calls any method with empty input, however it streams; resolves with the error, if any. */
async function callEmpty(transport: Transport, method: DescMethod): Promise<unknown> {
  try {
    if (method.methodKind === "unary") {
      await transport.unary(method as DescMethodUnary, undefined, undefined, undefined, {});
      return undefined;
    }
    // A server-streaming call needs exactly one request; the others may send none.
    const input = method.methodKind === "server_streaming" ? [{}] : [];
    const res = await transport.stream(method as DescMethodStreaming, undefined, undefined, undefined, toAsync(input));
    for await (const _ of res.message) {
      // an unimplemented method sends nothing
    }
  } catch (err) {
    return err;
  }
  return undefined;
}

async function* toAsync<T>(items: T[]) {
  yield* items;
}

describe("routes", () => {
  it("routes every service the contracts declare", () => {
    const router = createConnectRouter();
    routes(router, deps());
    expect(servedServices(router)).toEqual(declared.map((s) => s.typeName).sort());
  });

  it("answers Unimplemented for every method of the resource services, never a fake success", async () => {
    const transport = createRouterTransport((router) => routes(router, deps()));
    // LoginService needs no resource model: it answers what the server was configured with (here, nothing).
    const resourceMethods = declared.filter((s) => s.typeName.startsWith("openchoreo.") && s.typeName !== LoginService.typeName).flatMap((s) => s.methods);
    expect(await createClient(LoginService, transport).getLoginConfig({})).toMatchObject({ issuer: "", clientId: "" });
    expect(resourceMethods.length).toBeGreaterThan(50);
    for (const method of resourceMethods) {
      const err = await callEmpty(transport, method);
      expect(err, `${method.parent.typeName}/${method.name}`).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code, `${method.parent.typeName}/${method.name}`).toBe(Code.Unimplemented);
    }
  });
});
