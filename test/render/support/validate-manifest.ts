import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { ConfigMap, Namespace, Service } from "kubernetes-models/v1";
import type { JsonObject } from "../../../src/model/index.js";
import { schemaProblems, schemasPresent, schemasSkipReason } from "../../support/shared-schemas.js";

type Model = new (data: never) => { validate(): void };

let warnedAbsent = false;

/** Kubernetes' own kinds, which kubernetes-models knows. */
const models: Record<string, Model> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "batch/v1/CronJob": CronJob,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};

/** Kinds checked against a schema of ../shared/schemas. */
const schemaFiles: Record<string, string> = {
  "cilium.io/v2/CiliumNetworkPolicy": "cilium.io/ciliumnetworkpolicy_v2.json",
  "gateway.envoyproxy.io/v1alpha1/SecurityPolicy": "gateway.envoyproxy.io/securitypolicy_v1alpha1.json",
  "gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy": "gateway.envoyproxy.io/backendtrafficpolicy_v1alpha1.json",
  "gateway.envoyproxy.io/v1alpha1/ClientTrafficPolicy": "gateway.envoyproxy.io/clienttrafficpolicy_v1alpha1.json",
  "gateway.envoyproxy.io/v1alpha1/HTTPRouteFilter": "gateway.envoyproxy.io/httproutefilter_v1alpha1.json",
  "gateway.networking.k8s.io/v1/HTTPRoute": "gateway.networking.k8s.io/httproute_v1.json",
  "gateway.networking.k8s.io/v1/GRPCRoute": "gateway.networking.k8s.io/grpcroute_v1.json",
};

/**
 * The Secrets Store CSI driver's SecretProviderClass (secrets-store.csi.x-k8s.io/v1), which neither
 * source covers: the fields of its CRD that the renderer writes.
 */
const secretProviderClassSchema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "secrets-store.csi.x-k8s.io/v1" },
    kind: { const: "SecretProviderClass" },
    metadata: { type: "object", required: ["name", "namespace"] },
    spec: {
      type: "object",
      additionalProperties: false,
      required: ["provider"],
      properties: {
        provider: { type: "string", minLength: 1 },
        parameters: { type: "object", additionalProperties: { type: "string" } },
        secretObjects: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["secretName", "type", "data"],
            properties: {
              secretName: { type: "string" },
              type: { type: "string" },
              labels: { type: "object", additionalProperties: { type: "string" } },
              annotations: { type: "object", additionalProperties: { type: "string" } },
              data: {
                type: "array",
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["objectName", "key"],
                  properties: { objectName: { type: "string" }, key: { type: "string" } },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** The problems of one rendered object against its kind's schema; [] when it is valid. */
export function manifestProblems(manifest: JsonObject): string[] {
  const key = `${String(manifest.apiVersion)}/${String(manifest.kind)}`;
  const problems: string[] = [];
  const model = models[key];
  if (model) {
    try {
      new model(structuredClone(manifest) as never).validate();
    } catch (error) {
      problems.push(`${key}: ${String(error)}`);
    }
  }
  const file = schemaFiles[key];
  if (file && !schemasPresent) {
    if (!warnedAbsent) console.warn(schemasSkipReason);
    warnedAbsent = true;
    return problems;
  }
  const schema = file ?? (key === "secrets-store.csi.x-k8s.io/v1/SecretProviderClass" ? key : undefined);
  if (schema) problems.push(...schemaProblems(schema, manifest, file ? undefined : secretProviderClassSchema).map((p) => `${key} ${p}`));
  if (!model && !schema) problems.push(`${key}: no schema to validate it against`);
  return problems;
}
