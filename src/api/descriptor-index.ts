import { toBinary } from "@bufbuild/protobuf";
import type { DescExtension, DescFile, DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * The lookups gRPC server reflection needs, over the file descriptors embedded in the generated code
 * and, through their imports, the well-known types they use (google/protobuf/*.proto).
 */
export interface DescriptorIndex {
  /** By path, e.g. "health/v1/health.proto". */
  fileByName(name: string): DescFile | undefined;
  /** By fully-qualified name of a message, field, enum, service, method or extension. */
  fileContainingSymbol(symbol: string): DescFile | undefined;
  fileContainingExtension(extendee: string, fieldNumber: number): DescFile | undefined;
  /** undefined when the message type is unknown; empty when it is known but not extended. */
  extensionNumbersOf(typeName: string): number[] | undefined;
  /**
   * The serialized FileDescriptorProto of `file` first, then those of everything it imports,
   * transitively: reflection clients need the whole closure to build the file.
   */
  serializedWithDependencies(file: DescFile): Uint8Array[];
}

export function createDescriptorIndex(roots: readonly DescFile[]): DescriptorIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const messageTypes = new Set<string>();
  const extensionsByExtendee = new Map<string, Map<number, DescFile>>();
  const serialized = new Map<DescFile, Uint8Array>();

  function addExtension(file: DescFile, ext: DescExtension): void {
    symbols.set(ext.typeName, file);
    const byNumber = extensionsByExtendee.get(ext.extendee.typeName) ?? new Map<number, DescFile>();
    byNumber.set(ext.number, file);
    extensionsByExtendee.set(ext.extendee.typeName, byNumber);
  }

  function addMessage(file: DescFile, message: DescMessage): void {
    symbols.set(message.typeName, file);
    messageTypes.add(message.typeName);
    for (const field of message.fields) symbols.set(`${message.typeName}.${field.name}`, file);
    for (const nested of message.nestedMessages) addMessage(file, nested);
    for (const nested of message.nestedEnums) symbols.set(nested.typeName, file);
    for (const ext of message.nestedExtensions) addExtension(file, ext);
  }

  function addFile(file: DescFile): void {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    file.dependencies.forEach(addFile);
    file.messages.forEach((m) => addMessage(file, m));
    for (const e of file.enums) symbols.set(e.typeName, file);
    file.extensions.forEach((ext) => addExtension(file, ext));
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
  }

  roots.forEach(addFile);

  function bytesOf(file: DescFile): Uint8Array {
    let bytes = serialized.get(file);
    if (bytes === undefined) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      serialized.set(file, bytes);
    }
    return bytes;
  }

  return {
    fileByName: (name) => files.get(name),
    fileContainingSymbol: (symbol) => symbols.get(symbol.replace(/^\./, "")),
    fileContainingExtension: (extendee, fieldNumber) =>
      extensionsByExtendee.get(extendee.replace(/^\./, ""))?.get(fieldNumber),
    extensionNumbersOf(typeName) {
      const name = typeName.replace(/^\./, "");
      if (!messageTypes.has(name)) return undefined;
      return [...(extensionsByExtendee.get(name)?.keys() ?? [])].sort((a, b) => a - b);
    },
    serializedWithDependencies(file) {
      const closure = new Set<DescFile>();
      const visit = (f: DescFile) => {
        if (closure.has(f)) return;
        closure.add(f);
        f.dependencies.forEach(visit);
      };
      visit(file);
      return [...closure].map(bytesOf);
    },
  };
}
