import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { allFiles } from "../../gen/index.js";
import { createDescriptorIndex } from "./descriptor-index.js";
import { createHealthStatus } from "./health-status.js";
import { routes } from "./routes.js";

type Request = MessageInitShape<typeof v1.ServerReflectionRequestSchema>["messageRequest"];

const transport = createRouterTransport((router) =>
  routes(router, { health: createHealthStatus(), descriptors: createDescriptorIndex(allFiles) }),
);
const client = createClient(v1.ServerReflection, transport);

/** Sends the requests on one stream, as reflection clients do, and returns the answers in order. */
async function ask(...requests: NonNullable<Request>[]): Promise<v1.ServerReflectionResponse[]> {
  const answers: v1.ServerReflectionResponse[] = [];
  const stream = client.serverReflectionInfo(
    (async function* () {
      for (const messageRequest of requests) yield { host: "h", messageRequest };
    })(),
  );
  for await (const res of stream) answers.push(res);
  return answers;
}

async function askOne(request: NonNullable<Request>): Promise<v1.ServerReflectionResponse["messageResponse"]> {
  const [answer] = await ask(request);
  return answer!.messageResponse;
}

/** Builds a registry from a file_descriptor_response, as a client would; throws if a dependency is missing. */
function registryOf(res: v1.ServerReflectionResponse["messageResponse"]) {
  if (res.case !== "fileDescriptorResponse") throw new Error(`expected files, got ${res.case}`);
  const protos = res.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
  const byName = new Map(protos.map((p) => [p.name, p]));
  // Resolve imports by name, as reflection clients do, dependencies first; a missing one throws.
  const ordered = new Set<FileDescriptorProto>();
  const visit = (name: string, importer: string) => {
    const proto = byName.get(name);
    if (proto === undefined) throw new Error(`${importer} imports ${name}, which was not sent`);
    if (ordered.has(proto)) return;
    proto.dependency.forEach((dep) => visit(dep, name));
    ordered.add(proto);
  };
  visit(protos[0]!.name, "the request");
  return {
    names: protos.map((p) => p.name),
    registry: createFileRegistry(create(FileDescriptorSetSchema, { file: [...ordered] })),
  };
}

const allServices = allFiles.flatMap((f) => f.services);
const allExtensions = allFiles.flatMap((f) => f.extensions);

describe("server reflection", () => {
  it("lists every served service", async () => {
    const res = await askOne({ case: "listServices", value: "*" });
    expect(res.case === "listServicesResponse" && res.value.service.map((s) => s.name)).toEqual(
      allServices.map((s) => s.typeName).sort(),
    );
  });

  it("answers several requests on one stream, echoing each", async () => {
    const answers = await ask(
      { case: "listServices", value: "" },
      { case: "fileByFilename", value: "health/v1/health.proto" },
    );
    expect(answers.map((a) => [a.validHost, a.originalRequest?.messageRequest.case, a.messageResponse.case])).toEqual([
      ["h", "listServices", "listServicesResponse"],
      ["h", "fileByFilename", "fileDescriptorResponse"],
    ]);
  });

  it.each(allServices.map((s) => [s.typeName, s] as const))(
    "describes %s completely: its file and every dependency, well-known types included",
    async (name, service) => {
      const { registry } = registryOf(await askOne({ case: "fileContainingSymbol", value: name }));
      expect(registry.getService(name)?.methods.map((m) => m.name)).toEqual(service.methods.map((m) => m.name));
    },
  );

  it("finds files by name and by method, nested type, field and extension symbols", async () => {
    const byName = registryOf(await askOne({ case: "fileByFilename", value: "health/v1/health.proto" }));
    expect(byName.names[0]).toBe("health/v1/health.proto");
    for (const symbol of [
      "grpc.health.v1.Health.Watch",
      "grpc.health.v1.HealthCheckResponse.ServingStatus",
      "grpc.health.v1.HealthCheckRequest.service",
      ".grpc.health.v1.HealthCheckRequest",
    ]) {
      expect(registryOf(await askOne({ case: "fileContainingSymbol", value: symbol })).names[0], symbol).toBe(
        "health/v1/health.proto",
      );
    }
    const struct = registryOf(await askOne({ case: "fileContainingSymbol", value: "google.protobuf.Struct" }));
    expect(struct.names).toEqual(["google/protobuf/struct.proto"]);
  });

  it("serves the custom options' extensions", async () => {
    expect(allExtensions.length).toBeGreaterThan(0);
    for (const ext of allExtensions) {
      const numbers = await askOne({ case: "allExtensionNumbersOfType", value: ext.extendee.typeName });
      expect(numbers.case === "allExtensionNumbersResponse" && numbers.value).toMatchObject({
        baseTypeName: ext.extendee.typeName,
        extensionNumber: expect.arrayContaining([ext.number]),
      });
      const file = await askOne({
        case: "fileContainingExtension",
        value: { containingType: ext.extendee.typeName, extensionNumber: ext.number },
      });
      expect(registryOf(file).registry.getExtension(ext.typeName)?.number).toBe(ext.number);
    }
    const plain = await askOne({ case: "allExtensionNumbersOfType", value: "grpc.health.v1.HealthCheckRequest" });
    expect(plain.case === "allExtensionNumbersResponse" && plain.value.extensionNumber).toEqual([]);
  });

  it.each<[string, NonNullable<Request>]>([
    ["file", { case: "fileByFilename", value: "nope.proto" }],
    ["symbol", { case: "fileContainingSymbol", value: "no.such.Thing" }],
    ["extension", { case: "fileContainingExtension", value: { containingType: "google.protobuf.ServiceOptions", extensionNumber: 1 } }],
    ["type", { case: "allExtensionNumbersOfType", value: "no.such.Type" }],
  ])("answers NOT_FOUND for an unknown %s, and the stream goes on", async (_, request) => {
    const [missing, list] = await ask(request, { case: "listServices", value: "" });
    expect(missing!.messageResponse.case === "errorResponse" && missing!.messageResponse.value.errorCode).toBe(
      Code.NotFound,
    );
    expect(list!.messageResponse.case).toBe("listServicesResponse");
  });

  it("serves v1alpha the same way", async () => {
    const alpha = createClient(v1alpha.ServerReflection, transport);
    const answers: v1alpha.ServerReflectionResponse[] = [];
    const stream = alpha.serverReflectionInfo(
      (async function* () {
        yield { messageRequest: { case: "listServices" as const, value: "" } };
        yield { messageRequest: { case: "fileContainingSymbol" as const, value: "grpc.health.v1.Health" } };
      })(),
    );
    for await (const res of stream) answers.push(res);
    const [list, file] = answers;
    expect(list!.messageResponse.case === "listServicesResponse" && list!.messageResponse.value.service.length).toBe(
      allServices.length,
    );
    expect(file!.messageResponse.case === "fileDescriptorResponse" && file!.messageResponse.value.fileDescriptorProto.length).toBe(1);
  });
});
