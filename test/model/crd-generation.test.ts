import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { crdFromKind, createKindRegistry, type JsonObject } from "../../src/model/index.js";
import { readCrds, referencePresent, referenceSkipReason, type OpenApiSchema } from "../support/shared-reference.js";

const registry = createKindRegistry(allFiles);
if (!referencePresent) console.warn(referenceSkipReason);

/** Facts of a schema that must agree: type, required, enum and default at every path. */
function facts(schema: OpenApiSchema, path: string, out: Map<string, string>): Map<string, string> {
  const type = schema["x-kubernetes-int-or-string"] ? "int-or-string" : schema["x-kubernetes-preserve-unknown-fields"] ? "any" : (schema.type ?? "object");
  out.set(path, JSON.stringify({ type, required: [...(schema.required ?? [])].sort(), enum: schema.enum, default: schema.default }));
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (key === "conditions" && path.endsWith("status")) continue;
    facts(sub, `${path}.${key}`, out);
  }
  if (schema.items) facts(schema.items, `${path}[]`, out);
  if (typeof schema.additionalProperties === "object") facts(schema.additionalProperties, `${path}{}`, out);
  return out;
}

describe.skipIf(!referencePresent)("generated CRDs", () => {
  it("match OpenChoreo's v0.3 CRDs in names, scope, and the type, required fields, enums and defaults at every path", () => {
    for (const crd of referencePresent ? readCrds() : []) {
      const kind = registry.lookup("openchoreo.dev/v1alpha1", crd.kind)!;
      const ours = crdFromKind(kind) as unknown as { spec: { scope: string; names: JsonObject; versions: { schema: { openAPIV3Schema: OpenApiSchema } }[] } };
      expect(ours.spec.scope).toBe(crd.scope);
      expect(ours.spec.names.plural).toBe(crd.plural);
      const theirs = facts(crd.schema, "", new Map());
      const generated = facts(ours.spec.versions[0]!.schema.openAPIV3Schema, "", new Map());
      for (const [path, fact] of theirs) {
        if (path === ".metadata") continue;
        let expected = fact;
        // Fields the registry adds rules to (COMPATIBILITY.md): the generated CRD states them.
        const ourFact = generated.get(path);
        if (ourFact && JSON.parse(fact).enum === undefined && JSON.parse(ourFact).enum !== undefined) {
          expected = JSON.stringify({ ...JSON.parse(fact), enum: JSON.parse(ourFact).enum });
        }
        expect(ourFact, `${crd.kind}${path}`).toBe(expected);
      }
    }
  });
});
