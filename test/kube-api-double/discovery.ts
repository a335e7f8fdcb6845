import type { JsonObject } from "../../src/model/json.js";
import { allVerbs, type ResourceCatalog } from "./resource-catalog.js";

/**
 * The discovery documents client-node reads to map a kind to its URL (KubernetesObjectApi) and kubectl
 * reads to learn verbs: `/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`. Undefined for a path
 * that is not a discovery path.
 */
export function discoveryDocument(catalog: ResourceCatalog, segments: readonly string[]): JsonObject | undefined {
  if (segments.length === 1 && segments[0] === "api") return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
  if (segments.length === 1 && segments[0] === "apis") {
    const groups = new Map<string, Set<string>>();
    for (const type of catalog.types) if (type.group) (groups.get(type.group) ?? groups.set(type.group, new Set()).get(type.group)!).add(type.version);
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [...groups].map(([name, versions]) => {
        const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
        return { name, versions: list, preferredVersion: list[0]! };
      }),
    };
  }
  const groupVersion =
    segments.length === 2 && segments[0] === "api" ? { group: "", version: segments[1]! } : segments.length === 3 && segments[0] === "apis" ? { group: segments[1]!, version: segments[2]! } : undefined;
  if (!groupVersion) return undefined;
  const types = catalog.types.filter((t) => t.group === groupVersion.group && t.version === groupVersion.version);
  if (types.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion.group ? `${groupVersion.group}/${groupVersion.version}` : groupVersion.version,
    resources: types.flatMap((t) => [
      {
        name: t.plural,
        singularName: t.singular ?? t.kind.toLowerCase(),
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: [...allVerbs],
        ...(t.shortNames ? { shortNames: [...t.shortNames] } : {}),
        ...(t.categories ? { categories: [...t.categories] } : {}),
      },
      ...(t.statusSubresource ? [{ name: `${t.plural}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] }] : []),
      ...(t.subresources ?? []).map((sub) => ({ name: `${t.plural}/${sub}`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get"] })),
    ]),
  };
}
