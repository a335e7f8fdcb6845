import type { PlaneKind } from "./plane-agent.js";

/** A kind an agent may apply; matched by group and kind, so any served version of it passes. */
export interface AllowedKind {
  /** The version the agent lists it in (its start-up sweep looks for orphans there). */
  readonly apiVersion: string;
  readonly kind: string;
  /** A namespaced object must go to a namespace of the plane; a cluster-scoped one is checked by name. */
  readonly namespaced: boolean;
}

const namespaced = (apiVersion: string, kind: string): AllowedKind => ({ apiVersion, kind, namespaced: true });

/**
 * What each plane may receive: exactly what the control plane renders for it. A data plane gets the
 * cells and bindings of src/render (their namespaces, workloads, configuration, network policies,
 * routes and gateway policies); a build plane gets src/render/build-workflow.ts (the organization's build
 * namespace with the Workflow's ServiceAccount, Role and RoleBinding, and the Workflow) and the
 * ClusterWorkflowTemplates of deploy/build-templates. Cluster-scoped kinds are only these two: a
 * Namespace (checked by name) and a ClusterWorkflowTemplate; cluster-scoped RBAC is on neither list.
 */
export const planeAllowList: Readonly<Record<PlaneKind, readonly AllowedKind[]>> = {
  DataPlane: [
    { apiVersion: "v1", kind: "Namespace", namespaced: false },
    namespaced("v1", "Service"),
    namespaced("v1", "ConfigMap"),
    namespaced("apps/v1", "Deployment"),
    namespaced("batch/v1", "CronJob"),
    namespaced("networking.k8s.io/v1", "NetworkPolicy"),
    namespaced("cilium.io/v2", "CiliumNetworkPolicy"),
    namespaced("gateway.networking.k8s.io/v1", "HTTPRoute"),
    namespaced("gateway.networking.k8s.io/v1", "GRPCRoute"),
    namespaced("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy"),
    namespaced("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy"),
    namespaced("gateway.envoyproxy.io/v1alpha1", "HTTPRouteFilter"),
    namespaced("secrets-store.csi.x-k8s.io/v1", "SecretProviderClass"),
  ],
  BuildPlane: [
    { apiVersion: "v1", kind: "Namespace", namespaced: false },
    namespaced("v1", "ServiceAccount"),
    namespaced("rbac.authorization.k8s.io/v1", "Role"),
    namespaced("rbac.authorization.k8s.io/v1", "RoleBinding"),
    namespaced("argoproj.io/v1alpha1", "Workflow"),
    { apiVersion: "argoproj.io/v1alpha1", kind: "ClusterWorkflowTemplate", namespaced: false },
  ],
};

/** The namespaces the control plane renders into: cells are `dp-<org>-<project>-<env>-<hash>`, builds `openchoreo-ci-<org>`. */
export const defaultNamespacePrefixes: Readonly<Record<PlaneKind, readonly string[]>> = {
  DataPlane: ["dp-"],
  BuildPlane: ["openchoreo-ci-"],
};

/**
 * The build templates that run privileged pods with a hostPath cache (podman builds images inside
 * the step's container): the four of deploy/build-templates.
 */
export const defaultPrivilegedBuildTemplates: readonly string[] = ["ballerina-buildpack", "docker", "google-cloud-buildpacks", "react"];

/**
 * Kinds no configuration lets an agent apply: cluster-wide RBAC, and cluster-scoped kinds that change
 * how the whole cluster admits, schedules or stores things. Named here because an extra kind is taken as
 * namespaced, and the API server would ignore the namespace of a cluster-scoped one.
 */
export const forbiddenKinds: readonly string[] = [
  "rbac.authorization.k8s.io/ClusterRole",
  "rbac.authorization.k8s.io/ClusterRoleBinding",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  "apiregistration.k8s.io/APIService",
  "certificates.k8s.io/CertificateSigningRequest",
  "/Node",
  "/PersistentVolume",
  "storage.k8s.io/StorageClass",
  "scheduling.k8s.io/PriorityClass",
];

/** Namespaces no configuration opens: the cluster's own. */
export const systemNamespaces: readonly string[] = ["kube-system", "kube-public", "kube-node-lease"];

/** "group/Kind" of an apiVersion and kind ("" is the core group). */
export function groupKind(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf("/");
  return `${slash < 0 ? "" : apiVersion.slice(0, slash)}/${kind}`;
}

/** Every kind some plane may receive, once: what the kubernetes driver sweeps by default. */
export function allPlaneKinds(): AllowedKind[] {
  const seen = new Map<string, AllowedKind>();
  for (const list of Object.values(planeAllowList)) for (const k of list) seen.set(groupKind(k.apiVersion, k.kind), k);
  return [...seen.values()];
}
