// An @grpc/grpc-js client, with stubs loaded by @grpc/proto-loader from proto/ and the health and
// reflection protos shipped in node_modules: unary, server-streaming and bidi calls.
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/repo-root.js";
import { startTestServer } from "./support/start-test-server.js";
import type { TestServer } from "./support/start-test-server.js";

type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;
interface HealthClient extends grpc.Client {
  Check(req: { service: string }, md: grpc.Metadata, cb: Callback<{ status: string }>): grpc.ClientUnaryCall;
  Watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}
interface ReflectionClient extends grpc.Client {
  ServerReflectionInfo(): grpc.ClientDuplexStream<Record<string, unknown>, ReflectionResponse>;
}
interface ReflectionResponse {
  messageResponse: string;
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
}
interface OrganizationClient extends grpc.Client {
  GetOrganization(req: { name: string }, cb: Callback<unknown>): grpc.ClientUnaryCall;
}
type ClientConstructor<T> = new (address: string, credentials: grpc.ChannelCredentials) => T;

const definition = protoLoader.loadSync(
  ["openchoreo/api/v1alpha1/organization_service.proto", "health/v1/health.proto", "grpc/reflection/v1/reflection.proto"],
  {
    includeDirs: ["proto", "node_modules/grpc-health-check/proto", "node_modules/@grpc/reflection/build/proto"].map((d) =>
      path.join(repoRoot, d),
    ),
    enums: String,
    oneofs: true,
  },
);
const packages = grpc.loadPackageDefinition(definition) as unknown as {
  grpc: {
    health: { v1: { Health: ClientConstructor<HealthClient> } };
    reflection: { v1: { ServerReflection: ClientConstructor<ReflectionClient> } };
  };
  openchoreo: { api: { v1alpha1: { OrganizationService: ClientConstructor<OrganizationClient> } } };
};

let server: TestServer;
let address: string;
const clients: grpc.Client[] = [];
function client<T extends grpc.Client>(ctor: ClientConstructor<T>): T {
  const c = new ctor(address, grpc.credentials.createInsecure());
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startTestServer();
  address = `127.0.0.1:${server.port}`;
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await server.close();
});

describe("@grpc/grpc-js client", () => {
  it("unary: health Check, with the request id echoed in the response headers", async () => {
    const health = client(packages.grpc.health.v1.Health);
    const md = new grpc.Metadata();
    md.set("x-request-id", "grpc-js-1");
    const { res, headers } = await new Promise<{ res?: { status: string }; headers: grpc.Metadata }>((resolve, reject) => {
      let headers = new grpc.Metadata();
      const call = health.Check({ service: "" }, md, (err, res) => (err ? reject(err) : resolve({ res, headers })));
      call.on("metadata", (m) => (headers = m));
    });
    expect(res?.status).toBe("SERVING");
    expect(headers.get("x-request-id")).toEqual(["grpc-js-1"]);

    const missing = await new Promise<grpc.ServiceError | null>((resolve) =>
      health.Check({ service: "no.such.Service" }, new grpc.Metadata(), (err) => resolve(err)),
    );
    expect(missing?.code).toBe(grpc.status.NOT_FOUND);
  });

  it("unary: a resource method called without a token answers UNAUTHENTICATED", async () => {
    const orgs = client(packages.openchoreo.api.v1alpha1.OrganizationService);
    const err = await new Promise<grpc.ServiceError | null>((resolve) => orgs.GetOrganization({ name: "acme" }, (e) => resolve(e)));
    expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("server stream: health Watch sends SERVING and stays open until cancelled", async () => {
    const call = client(packages.grpc.health.v1.Health).Watch({ service: "grpc.health.v1.Health" });
    const first = await new Promise<{ status: string }>((resolve, reject) => {
      call.once("data", resolve);
      call.once("error", reject);
    });
    expect(first.status).toBe("SERVING");
    const ended = new Promise<grpc.ServiceError>((resolve) => call.once("error", resolve));
    call.cancel();
    expect((await ended).code).toBe(grpc.status.CANCELLED);
  });

  it("bidi: reflection answers several requests on one stream, then ends OK", async () => {
    const call = client(packages.grpc.reflection.v1.ServerReflection).ServerReflectionInfo();
    const responses: ReflectionResponse[] = [];
    const done = new Promise<grpc.StatusObject>((resolve, reject) => {
      call.on("data", (res: ReflectionResponse) => responses.push(res));
      call.on("status", resolve);
      call.on("error", reject);
    });
    call.write({ listServices: "" });
    call.write({ fileContainingSymbol: "openchoreo.api.v1alpha1.OrganizationService" });
    call.end();
    expect((await done).code).toBe(grpc.status.OK);

    const [list, files] = responses;
    expect(list?.listServicesResponse?.service.map((s) => s.name)).toEqual(server.services);
    expect(files?.messageResponse).toBe("fileDescriptorResponse");
    expect(files?.fileDescriptorResponse?.fileDescriptorProto.length).toBeGreaterThan(3);
  });
});
