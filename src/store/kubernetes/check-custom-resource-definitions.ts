import { crdFromKind, isJsonObject, type JsonObject, type KindRegistry } from "../../model/index.js";
import { isKubeApiError, type KubeRestClient } from "./kube-rest-client.js";
import { storageCrd, storageKinds } from "./storage-crds.js";

/** The CRDs the cluster lacks or serves older than this server's kinds. */
export class CustomResourceDefinitionError extends Error {
  override readonly name = "CustomResourceDefinitionError";
}

/**
 * Checks, before the store is used, that every kind's CRD is installed, serves this server's version
 * with a status subresource, and knows every field this server writes: a field missing from an older
 * CRD's schema would be pruned by the API server, silently. Extra fields (a newer CRD) are fine. The
 * same for the CRDs of the audit log and build logs (storage-crds.ts), which have no status.
 */
export async function checkCustomResourceDefinitions(client: KubeRestClient, registry: KindRegistry): Promise<void> {
  const expected = [
    ...registry.kinds.map((kind) => ({ crd: crdFromKind(kind), withStatus: true })),
    ...storageKinds.map((kind) => ({ crd: storageCrd(kind), withStatus: false })),
  ];
  const problems = (await Promise.all(expected.map(({ crd, withStatus }) => problemOf(client, crd, withStatus)))).filter((p) => p !== undefined);
  if (problems.length === 0) return;
  throw new CustomResourceDefinitionError(
    `the Kubernetes API does not serve the OpenChoreo CRDs this server needs:\n${problems.map((p) => `  ${p}`).join("\n")}\n` +
      "install the CRDs of this version first: kubectl apply --server-side -f deploy/crds/",
  );
}

async function problemOf(client: KubeRestClient, expected: JsonObject, withStatus: boolean): Promise<string | undefined> {
  const name = (expected.metadata as JsonObject).name as string;
  const wanted = ((expected.spec as JsonObject).versions as JsonObject[])[0]!;
  let installed: JsonObject;
  try {
    installed = await client.request({ method: "GET", path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` });
  } catch (err) {
    if (isKubeApiError(err) && err.code === 404) return `${name}: missing`;
    throw err;
  }
  const spec = isJsonObject(installed.spec) ? installed.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  const version = versions.find((v) => v.name === wanted.name);
  if (!version || version.served !== true) return `${name}: version ${String(wanted.name)} is not served`;
  if (withStatus && !(isJsonObject(version.subresources) && isJsonObject(version.subresources.status))) return `${name}: no status subresource`;
  const want = (wanted.schema as JsonObject).openAPIV3Schema;
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
