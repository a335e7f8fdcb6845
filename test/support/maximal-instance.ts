import type { OpenApiSchema } from "./shared-reference.js";

/** Which values an instance uses for scalars: "maximal" picks non-zero values, "zero" picks false, 0 and "". */
export type InstanceFlavour = "maximal" | "zero";

/**
 * An instance of a CRD schema with every property present, lists of two items and maps of two
 * entries, so a round trip shows any field the contracts lost or renamed.
 */
export function instanceOf(schema: OpenApiSchema, flavour: InstanceFlavour, path = ""): unknown {
  const zero = flavour === "zero";
  if (schema["x-kubernetes-int-or-string"]) return zero ? 0 : "http-port";
  if (schema["x-kubernetes-preserve-unknown-fields"]) {
    return { kind: "Anything", spec: { replicas: zero ? 0 : 3, paused: zero, labels: ["a", "b"], nested: { value: null } } };
  }
  switch (schema.type) {
    case "string":
      if (schema.enum) return String(schema.enum[zero ? 0 : schema.enum.length - 1]);
      if (schema.format === "date-time") return zero ? "1970-01-01T00:00:00Z" : "2025-06-01T12:34:56Z";
      if (schema.pattern?.includes("ms|s|m|h")) return "1m30s";
      return zero ? "" : `value-of-${path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
    case "integer":
      return zero ? 0 : 42;
    case "number":
      return zero ? 0 : 2.5;
    case "boolean":
      return !zero;
    case "array":
      return [0, 1].map((i) => instanceOf(schema.items ?? {}, flavour, `${path}[${i}]`));
    case "object":
    case undefined: {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) out[key] = instanceOf(sub, flavour, `${path}.${key}`);
      if (typeof schema.additionalProperties === "object") {
        for (const key of ["first", "second"]) out[key] = instanceOf(schema.additionalProperties, flavour, `${path}.${key}`);
      }
      return out;
    }
    default:
      throw new Error(`no instance for schema type ${schema.type} at ${path}`);
  }
}
