import { readFileSync, existsSync } from "node:fs";
import { isIP } from "node:net";
import { GRPCRoute, HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { Ajv, type ValidateFunction } from "ajv";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { ConfigMap, Namespace, Service } from "kubernetes-models/v1";
import type { JsonObject } from "../../../src/model/index.js";

/**
 * The JSON Schemas of the third-party kinds (../shared/schemas, from the CRDs catalog). When the
 * folder is absent, the checks that need them are skipped, with a warning (once per test file).
 */
export const schemasDir = new URL("../../../../shared/schemas/", import.meta.url).pathname;
export const schemasPresent = existsSync(schemasDir);
const schemasSkipReason = `JSON schemas not found at ${schemasDir}: Cilium and Envoy Gateway objects are not validated`;

type Model = new (data: never) => { validate(): void };

/** Kinds the @kubernetes-models packages know. */
const models: Record<string, Model> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "batch/v1/CronJob": CronJob,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "gateway.networking.k8s.io/v1/HTTPRoute": HTTPRoute,
  "gateway.networking.k8s.io/v1/GRPCRoute": GRPCRoute,
};

/** Kinds checked against a schema of ../shared/schemas (Gateway API routes both ways: these are stricter). */
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

/** Go (RE2) patterns write Unicode classes as \pL; JavaScript wants \p{L}. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => new RegExp(pattern.replace(/\\([pP])([A-Z])/g, "\\$1{$2}"), flags),
  { code: "new RegExp" },
);

let ajv: Ajv | undefined;
let warnedAbsent = false;
const compiled = new Map<string, ValidateFunction>();

function validator(key: string): ValidateFunction | undefined {
  const cached = compiled.get(key);
  if (cached) return cached;
  const file = schemaFiles[key];
  if (!file && key !== "secrets-store.csi.x-k8s.io/v1/SecretProviderClass") return undefined;
  ajv ??= createAjv();
  const schema = file ? JSON.parse(readFileSync(schemasDir + file, "utf8")) : secretProviderClassSchema;
  const validate = ajv.compile(schema);
  compiled.set(key, validate);
  return validate;
}

function createAjv(): Ajv {
  // strict off: the catalog's schemas carry Kubernetes keywords (x-kubernetes-*) ajv does not know.
  // The schemas are trusted and large: checking them against the meta-schema and optimising the
  // generated code would cost more than the validations save (about 40% of compile time).
  const instance = new Ajv({ strict: false, allErrors: true, validateSchema: false, code: { regExp: goRegExp, optimize: false } });
  instance.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  instance.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
  instance.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
  instance.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
  instance.addFormat("idn-hostname", true);
  instance.addFormat("ipv4", (s: string) => isIP(s) === 4);
  instance.addFormat("ipv6", (s: string) => isIP(s) === 6);
  instance.addFormat("cidr", (s: string) => {
    const [ip = "", bits = ""] = s.split("/");
    const family = isIP(ip);
    return family !== 0 && /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  });
  return instance;
}

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
  if (key in schemaFiles && !schemasPresent) {
    if (!warnedAbsent) console.warn(schemasSkipReason);
    warnedAbsent = true;
    return problems;
  }
  const validate = validator(key);
  if (validate && !validate(manifest)) {
    for (const e of validate.errors ?? []) problems.push(`${key} ${e.instancePath}: ${e.message ?? ""} ${JSON.stringify(e.params)}`);
  }
  if (!model && !validate) problems.push(`${key}: no schema to validate it against`);
  return problems;
}
