import { allFiles } from "../../gen/index.js";
import { createCodec, createKindRegistry, type Codec, type KindRegistry } from "../model/index.js";

/** The kind registry and the codec, the same ones the server uses. */
export interface CliModel {
  readonly registry: KindRegistry;
  readonly codec: Codec;
}

export function loadModel(): CliModel {
  const registry = createKindRegistry(allFiles);
  return { registry, codec: createCodec(registry) };
}
