import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { isInvalidSpecError, type FieldViolation } from "../../src/errors/index.js";
import { createKindRegistry, validateObject, type JsonObject, type KindInfo } from "../../src/model/index.js";
import { fieldRulesOf } from "../../src/model/field-rules.js";
import { validInstanceOf, type RuledField } from "../support/valid-instance.js";

const registry = createKindRegistry(allFiles);

/** A valid object of a kind with every field filled, and the rule-carrying fields of its spec. */
function validObject(kind: KindInfo): { json: JsonObject; ruled: RuledField[] } {
  const ruled: RuledField[] = [];
  const specField = kind.schema.fields.find((f) => f.jsonName === "spec")!;
  const spec = validInstanceOf(specField.message!, "spec", ruled);
  const json = {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    metadata: { name: "valid-name", ...(kind.namespaced ? { namespace: "acme" } : {}) },
    spec,
  } as JsonObject;
  return { json, ruled };
}

function violationsOf(kind: KindInfo, json: JsonObject): FieldViolation[] {
  try {
    validateObject(kind, json);
    return [];
  } catch (err) {
    if (!isInvalidSpecError(err)) throw err;
    return [...err.violations];
  }
}

function setPath(obj: JsonObject, path: string, value: unknown): void {
  const parts = path.split(/\.|\[|\]\.?/).filter(Boolean);
  let cur: Record<string, unknown> = obj;
  for (const part of parts.slice(0, -1)) cur = (Array.isArray(cur) ? cur[Number(part)] : cur[part]) as Record<string, unknown>;
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

describe("the kind registry drives validation of every kind", () => {
  it("registers the 28 OpenChoreo kinds and the 6 added ones", () => {
    expect(registry.kinds).toHaveLength(34);
    expect(registry.kinds.filter((k) => k.added).map((k) => k.kind).sort()).toEqual(["ApiToken", "AuthzClusterRoleBinding", "AuthzRoleBinding", "Event", "PlaneCredential", "Promotion"]);
  });

  for (const kind of registry.kinds) {
    describe(kind.kind, () => {
      it("accepts a valid object", () => {
        expect(violationsOf(kind, validObject(kind).json)).toEqual([]);
      });

      it("names each missing required field", () => {
        const { ruled } = validObject(kind);
        for (const { path } of ruled.filter((r) => fieldRulesOf(r.field)!.required && !fieldRulesOf(r.field)!.defaultJson)) {
          const { json } = validObject(kind);
          setPath(json, path, undefined);
          expect(violationsOf(kind, json), path).toContainEqual({ path, message: "required" });
        }
      });

      it("names each field whose value is outside its enum", () => {
        const { ruled } = validObject(kind);
        for (const { path, field } of ruled.filter((r) => fieldRulesOf(r.field)!.enumValues.length > 0)) {
          const { json } = validObject(kind);
          const target = field.fieldKind === "list" ? `${path}[0]` : field.fieldKind === "map" ? `${path}[first]` : path;
          setPath(json, target, "NotAValue");
          const found = violationsOf(kind, json).find((v) => v.path === target);
          expect(found?.message, target).toContain(fieldRulesOf(field)!.enumValues.join(", "));
        }
      });

      it("checks metadata.name", () => {
        const { json } = validObject(kind);
        (json.metadata as JsonObject).name = "Not_A_DNS_Name";
        expect(violationsOf(kind, json).map((v) => v.path)).toContain("metadata.name");
        delete (json.metadata as JsonObject).name;
        expect(violationsOf(kind, json)).toContainEqual({ path: "metadata.name", message: "required" });
      });
    });
  }
});
