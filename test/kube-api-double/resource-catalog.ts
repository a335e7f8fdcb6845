import {
  configMapSchema,
  cronJobSchema,
  deploymentSchema,
  jobSchema,
  leaseSchema,
  namespaceSchema,
  networkPolicySchema,
  secretSchema,
  serviceSchema,
} from "./builtin-schemas.js";
import type { Schema } from "./structural-schema.js";

/** An `additionalPrinterColumns` entry: a column `kubectl get` shows. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
}

/** One REST resource the double serves, with the facts discovery publishes about it. */
export interface ResourceType {
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Whether `status` is written only through `/status` (and ignored on the main resource). */
  readonly statusSubresource: boolean;
  /** Extra subresources served besides status, e.g. "log" for pods. */
  readonly subresources?: readonly string[];
  /** Lowercase kind unless given. */
  readonly singular?: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  /** The structural schema writes are pruned, defaulted and validated by; none accepts anything. */
  readonly schema?: Schema;
  readonly printerColumns?: readonly PrinterColumn[];
  /** The CustomResourceDefinition that serves this type (a custom resource). */
  readonly definedBy?: string;
}

export const allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;

const core = (kind: string, plural: string, namespaced: boolean, statusSubresource: boolean, subresources?: string[], schema?: Schema): ResourceType => ({
  group: "",
  version: "v1",
  kind,
  plural,
  namespaced,
  statusSubresource,
  ...(subresources ? { subresources } : {}),
  ...(schema ? { schema } : {}),
});

const grouped = (group: string, version: string, kind: string, plural: string, statusSubresource: boolean, namespaced = true, schema?: Schema): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced,
  statusSubresource,
  ...(schema ? { schema } : {}),
});

/** The API for custom resources, always served (a double started with its own types gets it too). */
export const crdResourceType: ResourceType = {
  ...grouped("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", true, false),
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
};

/**
 * What the agent applies and watches, and the Leases leader election takes. Argo's Workflow CRD has no status subresource (its controller
 * writes the whole object), unlike the Gateway API and Envoy Gateway kinds.
 */
const builtinTypes: readonly ResourceType[] = [
  core("Namespace", "namespaces", false, true, undefined, namespaceSchema),
  core("Service", "services", true, true, undefined, serviceSchema),
  core("ConfigMap", "configmaps", true, false, undefined, configMapSchema),
  core("Secret", "secrets", true, false, undefined, secretSchema),
  core("Pod", "pods", true, true, ["log"]),
  core("Event", "events", true, false),
  core("ServiceAccount", "serviceaccounts", true, false),
  grouped("apps", "v1", "Deployment", "deployments", true, true, deploymentSchema),
  grouped("apps", "v1", "ReplicaSet", "replicasets", true),
  grouped("batch", "v1", "CronJob", "cronjobs", true, true, cronJobSchema),
  grouped("batch", "v1", "Job", "jobs", true, true, jobSchema),
  grouped("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", false, true, networkPolicySchema),
  grouped("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", true),
  grouped("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes", true),
  grouped("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes", true),
  grouped("gateway.envoyproxy.io", "v1alpha1", "SecurityPolicy", "securitypolicies", true),
  grouped("gateway.envoyproxy.io", "v1alpha1", "BackendTrafficPolicy", "backendtrafficpolicies", true),
  grouped("gateway.envoyproxy.io", "v1alpha1", "ClientTrafficPolicy", "clienttrafficpolicies", true),
  grouped("gateway.envoyproxy.io", "v1alpha1", "HTTPRouteFilter", "httproutefilters", false),
  grouped("secrets-store.csi.x-k8s.io", "v1", "SecretProviderClass", "secretproviderclasses", true),
  grouped("argoproj.io", "v1alpha1", "Workflow", "workflows", false),
  grouped("argoproj.io", "v1alpha1", "ClusterWorkflowTemplate", "clusterworkflowtemplates", false, false),
  grouped("rbac.authorization.k8s.io", "v1", "Role", "roles", false),
  grouped("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", false),
  crdResourceType,
  {
    ...grouped("coordination.k8s.io", "v1", "Lease", "leases", false),
    schema: leaseSchema,
    printerColumns: [
      { name: "Holder", type: "string", jsonPath: ".spec.holderIdentity" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  },
];

/** kube-apiserver's short names and categories of the built-in kinds (`kubectl get deploy`, `kubectl get all`). */
const builtinNames: Record<string, { shortNames?: string[]; categories?: string[] }> = {
  Namespace: { shortNames: ["ns"] },
  Service: { shortNames: ["svc"], categories: ["all"] },
  ConfigMap: { shortNames: ["cm"] },
  Pod: { shortNames: ["po"], categories: ["all"] },
  ServiceAccount: { shortNames: ["sa"] },
  Deployment: { shortNames: ["deploy"], categories: ["all"] },
  ReplicaSet: { shortNames: ["rs"], categories: ["all"] },
  Event: { shortNames: ["ev"] },
  CronJob: { shortNames: ["cj"], categories: ["all"] },
  Job: { categories: ["all"] },
  NetworkPolicy: { shortNames: ["netpol"] },
  CiliumNetworkPolicy: { shortNames: ["cnp", "ciliumnp"], categories: ["cilium", "ciliumpolicy"] },
  Workflow: { shortNames: ["wf"] },
  ClusterWorkflowTemplate: { shortNames: ["clusterwftmpl", "cwft"] },
};

export const defaultResourceTypes: readonly ResourceType[] = builtinTypes.map((t) => ({ ...builtinNames[t.kind], ...t }));

/** The groups kube-apiserver serves itself; every other group here is served through a CRD on a real cluster. */
const kubernetesGroups = /^(|apps|batch|coordination\.k8s\.io|networking\.k8s\.io|rbac\.authorization\.k8s\.io|policy|autoscaling|apiextensions\.k8s\.io)$/;

export const isKubernetesGroup = (type: ResourceType): boolean => kubernetesGroups.test(type.group);

/**
 * Whether a DELETE that removes the object answers with it (at the deletion's resourceVersion) rather
 * than a Status: the registries that set ReturnDeletedObject, custom resources' among them.
 */
export const returnsDeletedObject = (type: ResourceType): boolean =>
  type.definedBy !== undefined || !isKubernetesGroup(type) || (type.group === "" && (type.kind === "Pod" || type.kind === "ServiceAccount"));

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Where a resource's objects are stored: every version of a group's resource shares one table. */
export const storageKeyOf = (type: ResourceType): string => `${type.plural}.${type.group}`;

/** The resource types, looked up the ways requests name them; custom resources come and go with their CRDs. */
export interface ResourceCatalog {
  readonly types: readonly ResourceType[];
  byPlural(group: string, version: string, plural: string): ResourceType | undefined;
  byKind(apiVersion: string, kind: string): ResourceType | undefined;
  /** Serves the types a CRD defines, replacing what it defined before. */
  define(crdName: string, types: readonly ResourceType[]): void;
}

export function createResourceCatalog(initial: readonly ResourceType[] = defaultResourceTypes): ResourceCatalog {
  let types = [...initial];
  return {
    get types() {
      return types;
    },
    byPlural: (group, version, plural) => types.find((t) => t.group === group && t.version === version && t.plural === plural),
    byKind: (apiVersion, kind) => types.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind),
    define(crdName, defined) {
      types = [...types.filter((t) => t.definedBy !== crdName), ...defined];
    },
  };
}
