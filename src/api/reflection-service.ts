import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { ServiceImpl } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { DescriptorIndex } from "./descriptor-index.js";

type ResponseInit = MessageInitShape<typeof v1.ServerReflectionResponseSchema>;

/**
 * grpc.reflection.v1.ServerReflection: what `buf curl`, grpcurl and grpc_cli use to discover the API.
 * `servedServices` lists what the server actually routes (asked per call: routes are registered after
 * this service is created).
 */
export function createReflectionService(
  index: DescriptorIndex,
  servedServices: () => readonly string[],
): ServiceImpl<typeof v1.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, answer(index, servedServices, req));
      }
    },
  };
}

/**
 * grpc.reflection.v1alpha.ServerReflection, which older clients still ask first. Its messages are
 * wire-identical to v1, so each one is re-read as v1, answered, and re-read back.
 */
export function createReflectionServiceV1alpha(
  index: DescriptorIndex,
  servedServices: () => readonly string[],
): ServiceImpl<typeof v1alpha.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        const asV1 = fromBinary(v1.ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, req));
        const res = create(v1.ServerReflectionResponseSchema, answer(index, servedServices, asV1));
        yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(v1.ServerReflectionResponseSchema, res));
      }
    },
  };
}

function answer(
  index: DescriptorIndex,
  servedServices: () => readonly string[],
  req: v1.ServerReflectionRequest,
): ResponseInit {
  const reply = (messageResponse: ResponseInit["messageResponse"]): ResponseInit => ({
    validHost: req.host,
    originalRequest: req,
    messageResponse,
  });
  const error = (code: Code, errorMessage: string) =>
    reply({ case: "errorResponse", value: { errorCode: code, errorMessage } });
  const files = (file: ReturnType<DescriptorIndex["fileByName"]>, what: string) =>
    file === undefined
      ? error(Code.NotFound, `${what} not found`)
      : reply({
          case: "fileDescriptorResponse",
          value: { fileDescriptorProto: index.serializedWithDependencies(file) },
        });

  const r = req.messageRequest;
  switch (r.case) {
    case "listServices":
      return reply({
        case: "listServicesResponse",
        value: { service: servedServices().map((name) => ({ name })) },
      });
    case "fileByFilename":
      return files(index.fileByName(r.value), `file ${r.value}`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(r.value), `symbol ${r.value}`);
    case "fileContainingExtension":
      return files(
        index.fileContainingExtension(r.value.containingType, r.value.extensionNumber),
        `extension ${r.value.extensionNumber} of ${r.value.containingType}`,
      );
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbersOf(r.value);
      return numbers === undefined
        ? error(Code.NotFound, `type ${r.value} not found`)
        : reply({
            case: "allExtensionNumbersResponse",
            value: { baseTypeName: r.value.replace(/^\./, ""), extensionNumber: numbers },
          });
    }
    case undefined:
      return error(Code.InvalidArgument, "message_request is empty");
  }
}
