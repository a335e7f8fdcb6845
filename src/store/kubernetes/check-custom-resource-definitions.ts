import { crdFromKind, isJsonObject, type JsonObject, type KindInfo, type KindRegistry } from "../../model/index.js";
import { isKubeApiError, type KubeRestClient } from "./kube-rest-client.js";

/** The CRDs the cluster lacks or serves older than this server's kinds. */
export class CustomResourceDefinitionError extends Error {
  override readonly name = "CustomResourceDefinitionError";
}

/**
 * Checks, before the store is used, that every kind's CRD is installed, serves this server's version
 * with a status subresource, and knows every field this server writes: a field missing from an older
 * CRD's schema would be pruned by the API server, silently. Extra fields (a newer CRD) are fine.
 */
export async function checkCustomResourceDefinitions(client: KubeRestClient, registry: KindRegistry): Promise<void> {
  const problems = (await Promise.all(registry.kinds.map((kind) => problemOf(client, kind)))).filter((p) => p !== undefined);
  if (problems.length === 0) return;
  throw new CustomResourceDefinitionError(
    `the Kubernetes API does not serve the OpenChoreo CRDs this server needs:\n${problems.map((p) => `  ${p}`).join("\n")}\n` +
      "install the CRDs of this version first: kubectl apply --server-side -f deploy/crds/",
  );
}

async function problemOf(client: KubeRestClient, kind: KindInfo): Promise<string | undefined> {
  const expected = crdFromKind(kind);
  const name = (expected.metadata as JsonObject).name as string;
  let installed: JsonObject;
  try {
    installed = await client.request({ method: "GET", path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` });
  } catch (err) {
    if (isKubeApiError(err) && err.code === 404) return `${name}: missing`;
    throw err;
  }
  const spec = isJsonObject(installed.spec) ? installed.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  const version = versions.find((v) => v.name === kind.version);
  if (!version || version.served !== true) return `${name}: version ${kind.version} is not served`;
  if (!isJsonObject(version.subresources) || !isJsonObject(version.subresources.status)) return `${name}: no status subresource`;
  const want = (((expected.spec as JsonObject).versions as JsonObject[])[0]!.schema as JsonObject).openAPIV3Schema;
  const have = isJsonObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
  const known = fieldPaths(have, "");
  const missing = [...fieldPaths(want, "")].filter((path) => !known.has(path));
  if (missing.length > 0) {
    return `${name}: older than this server (no ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more fields` : ""})`;
  }
  return undefined;
}

/** Every property path a structural schema declares: "spec.owner.projectName", "spec.endpoints[].port". */
function fieldPaths(schema: unknown, prefix: string, into = new Set<string>()): Set<string> {
  if (!isJsonObject(schema)) return into;
  // Anything goes below these: nothing in there can be pruned.
  if (schema["x-kubernetes-preserve-unknown-fields"] === true && !isJsonObject(schema.properties)) return into;
  if (isJsonObject(schema.properties)) {
    for (const [key, child] of Object.entries(schema.properties)) {
      const path = prefix ? `${prefix}.${key}` : key;
      into.add(path);
      fieldPaths(child, path, into);
    }
  }
  if (isJsonObject(schema.items)) fieldPaths(schema.items, `${prefix}[]`, into);
  if (isJsonObject(schema.additionalProperties)) fieldPaths(schema.additionalProperties, `${prefix}{}`, into);
  return into;
}
