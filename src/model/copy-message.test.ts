import { clone, create, equals } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { validInstanceOf } from "../../test/support/valid-instance.js";
import { createCodec } from "./codec.js";
import { createKindRegistry } from "./kind-registry.js";
import { copyMessage } from "./copy-message.js";

const registry = createKindRegistry(allFiles);
const codec = createCodec(registry);

describe("copyMessage", () => {
  it.each(registry.kinds.map((k) => [k.kind, k] as const))("copies a full %s exactly and deeply", (_, kind) => {
    const message = codec.decodeAs(kind.schema, { ...validInstanceOf(kind.schema), apiVersion: kind.apiVersion, kind: kind.kind });
    const copy = copyMessage(kind.schema, message);
    expect(equals(kind.schema, copy, message)).toBe(true);
    expect(copy).toEqual(clone(kind.schema, message));
    const shared: string[] = [];
    const walk = (a: unknown, b: unknown, path: string) => {
      if (typeof a !== "object" || a === null) return;
      if (a === b) shared.push(path);
      for (const key of Object.keys(a)) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    };
    walk(copy, message, "");
    expect(shared).toEqual([]);
  });

  it("falls back to clone for a message that is not a plain object", () => {
    const message = create(ProjectSchema, { metadata: { name: "a", creationTimestamp: timestampFromMs(1_000) } });
    const odd = Object.assign(Object.create({ inherited: true }) as object, message) as typeof message;
    const copy = copyMessage(ProjectSchema, odd);
    expect(equals(ProjectSchema, copy, message)).toBe(true);
    expect(Object.getPrototypeOf(copy)).not.toBe(Object.getPrototypeOf(odd));
  });
});
