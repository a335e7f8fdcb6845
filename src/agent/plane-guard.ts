import { isJsonObject, type JsonObject } from "../model/json.js";
import type { PlaneKind } from "./plane-agent.js";
import {
  defaultNamespacePrefixes,
  defaultPrivilegedBuildTemplates,
  forbiddenKinds,
  groupKind,
  planeAllowList,
  systemNamespaces,
  type AllowedKind,
} from "./plane-allow-list.js";
import { podSecurityViolations } from "./pod-security-baseline.js";

/** The agent's own limits: set by its operator (flags, deploy manifests), never by the control plane. */
export interface PlaneGuardConfig {
  readonly planeKind: PlaneKind;
  /** Namespaced kinds allowed beyond the plane's list. */
  readonly extraKinds?: readonly { readonly apiVersion: string; readonly kind: string }[];
  /** The namespaces the agent writes into, by prefix; the plane's default when absent. */
  readonly namespacePrefixes?: readonly string[];
  /** Build plane: the ClusterWorkflowTemplates that may run privileged pods with hostPath volumes. */
  readonly privilegedBuildTemplates?: readonly string[];
  /** Namespaces never written besides the cluster's own, e.g. the agent's inventory namespace. */
  readonly protectedNamespaces?: readonly string[];
}

/** Decides, before anything reaches the plane, whether an object may be applied. */
export interface PlaneGuard {
  /** Every kind this agent may apply: what the kubernetes driver sweeps. */
  readonly kinds: readonly AllowedKind[];
  readonly namespacePrefixes: readonly string[];
  /** Why the object is refused, for the control plane to show; undefined when it may be applied. */
  refusal(manifest: JsonObject): string | undefined;
}

// A refusal names a few violations; a pod with dozens needs no longer message to be fixed.
const shownViolations = 5;

/** The error for a PlaneGuardConfig no agent may run with; the message names the setting. */
export class PlaneGuardConfigError extends Error {
  override readonly name = "PlaneGuardConfigError";
}

export function isPlaneGuardConfigError(err: unknown): err is PlaneGuardConfigError {
  return err instanceof Error && err.name === "PlaneGuardConfigError";
}

/**
 * The agent's guard over its cluster: a plane receives only its kinds (planeAllowList plus extras),
 * only in its namespaces (by prefix, never the cluster's own or the agent's), never cluster-wide RBAC,
 * RoleBindings only to a Role and ServiceAccounts of their own namespace, and pods only at the
 * Kubernetes Pod Security "baseline" level (the build plane's named templates excepted for privileged
 * and hostPath, which podman builds need).
 */
export function createPlaneGuard(config: PlaneGuardConfig): PlaneGuard {
  const allowed = new Map<string, AllowedKind>();
  for (const extra of config.extraKinds ?? []) {
    const key = groupKind(extra.apiVersion, extra.kind);
    if (forbiddenKinds.includes(key)) throw new PlaneGuardConfigError(`${extra.apiVersion}/${extra.kind}: an agent never applies this kind`);
    allowed.set(key, { apiVersion: extra.apiVersion, kind: extra.kind, namespaced: true });
  }
  for (const k of planeAllowList[config.planeKind]) allowed.set(groupKind(k.apiVersion, k.kind), k);
  const prefixes = config.namespacePrefixes ?? defaultNamespacePrefixes[config.planeKind];
  for (const prefix of prefixes) if (!prefix) throw new PlaneGuardConfigError("namespace prefix: must not be empty");
  const closed = new Set([...systemNamespaces, ...(config.protectedNamespaces ?? [])]);
  const privilegedTemplates = new Set(config.planeKind === "BuildPlane" ? (config.privilegedBuildTemplates ?? defaultPrivilegedBuildTemplates) : []);
  const plane = config.planeKind;

  function namespaceRefusal(namespace: string, field: string): string | undefined {
    if (closed.has(namespace)) return `${field}: ${namespace} is never written by an agent`;
    if (!prefixes.some((p) => namespace.startsWith(p))) return `${field}: ${namespace} is not a namespace of this ${plane} (the agent writes only into namespaces starting with ${prefixes.join(", ")})`;
    return undefined;
  }

  function roleBindingRefusal(manifest: JsonObject, namespace: string): string | undefined {
    const roleRef = isJsonObject(manifest.roleRef) ? manifest.roleRef : {};
    if (roleRef.kind !== "Role") return `roleRef: binds ${[roleRef.kind ?? "nothing", roleRef.name ?? ""].join(" ").trim()}; an agent binds only a Role of the binding's own namespace`;
    const subjects = Array.isArray(manifest.subjects) ? manifest.subjects : [];
    for (const [i, subject] of subjects.entries()) {
      const s = isJsonObject(subject) ? subject : {};
      if (s.kind !== "ServiceAccount" || (s.namespace !== undefined && s.namespace !== namespace)) {
        return `subjects[${i}]: ${String(s.kind ?? "?")} ${s.namespace ? `${String(s.namespace)}/` : ""}${String(s.name ?? "")} is not a ServiceAccount of ${namespace}`;
      }
    }
    return undefined;
  }

  return {
    kinds: [...allowed.values()],
    namespacePrefixes: prefixes,

    refusal(manifest) {
      const apiVersion = String(manifest.apiVersion ?? "");
      const kind = String(manifest.kind ?? "");
      const key = groupKind(apiVersion, kind);
      if (forbiddenKinds.includes(key)) return `kind: an agent never applies a ${kind} (cluster-scoped RBAC and cluster configuration stay with the cluster's administrators)`;
      const entry = allowed.get(key);
      if (!entry) return `kind: ${kind} (${apiVersion}) is not one a ${plane} receives (an operator can allow more with --allow-kind)`;
      const metadata = isJsonObject(manifest.metadata) ? manifest.metadata : {};
      const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "";
      const name = typeof metadata.name === "string" ? metadata.name : "";
      if (entry.namespaced) {
        if (!namespace) return `metadata.namespace: missing; a ${kind} goes to a namespace of the ${plane}`;
        const refused = namespaceRefusal(namespace, "metadata.namespace");
        if (refused) return refused;
      } else if (namespace) {
        return `metadata.namespace: a ${kind} is cluster-scoped`;
      } else if (kind === "Namespace") {
        const refused = namespaceRefusal(name, "metadata.name");
        if (refused) return refused;
      }
      if (key === "rbac.authorization.k8s.io/RoleBinding") {
        const refused = roleBindingRefusal(manifest, namespace);
        if (refused) return refused;
      }
      const exempt = key === "argoproj.io/ClusterWorkflowTemplate" && privilegedTemplates.has(name);
      const violations = podSecurityViolations(manifest, { privileged: exempt, hostPath: exempt });
      if (violations.length === 0) return undefined;
      const more = violations.length > shownViolations ? ` (and ${violations.length - shownViolations} more)` : "";
      return `pod security (baseline): ${violations.slice(0, shownViolations).join("; ")}${more}`;
    },
  };
}
