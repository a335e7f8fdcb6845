import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../src/model/json.js";
import { crdCauses, crdCleanupFinalizer } from "./crd-controller.js";
import type { StatusCause } from "./kube-status.js";
import { apiVersionOf, type ResourceType } from "./resource-catalog.js";

/**
 * The registry strategies of the kinds we render, from the Kubernetes API reference: defaults set
 * before validation, and the validations a user meets (names, ports, immutable fields, sizes).
 */

const kindOf = (resource: ResourceType) => `${apiVersionOf(resource)}/${resource.kind}`;
const obj = (value: JsonValue | undefined): JsonObject => (isJsonObject(value) ? value : {});
const list = (value: JsonValue | undefined): JsonObject[] => (Array.isArray(value) ? value.filter(isJsonObject) : []);
const setDefault = (target: JsonObject, key: string, value: JsonValue) => {
  if (target[key] === undefined) target[key] = value;
};

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const labelMessage = (value: string) =>
  `Invalid value: "${value}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
const dns1035Message = (value: string) =>
  `Invalid value: "${value}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`;

const maxAnnotationBytes = 256 * 1024;
const maxDataBytes = 1024 * 1024;

/** The pod template defaults kube-apiserver sets (SetDefaults_PodSpec, SetDefaults_Container). */
function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "securityContext", {});
  for (const container of [...list(spec.containers), ...list(spec.initContainers)]) {
    const image = typeof container.image === "string" ? container.image : "";
    const tagged = /:[^/]+$/.test(image.split("@")[0]!) && !image.endsWith(":latest");
    setDefault(container, "imagePullPolicy", tagged || image.includes("@") ? "IfNotPresent" : "Always");
    setDefault(container, "terminationMessagePath", "/dev/termination-log");
    setDefault(container, "terminationMessagePolicy", "File");
    for (const port of list(container.ports)) setDefault(port, "protocol", "TCP");
  }
}

let nextClusterIp = 1;

/** What a kind's registry sets on a write before validation, as kube-apiserver's strategies do. */
export function prepareObject(resource: ResourceType, object: JsonObject, before: JsonObject | undefined): void {
  const metadata = object.metadata as JsonObject;
  const spec = obj(object.spec);
  switch (kindOf(resource)) {
    case "apiextensions.k8s.io/v1/CustomResourceDefinition": {
      if (before) break;
      const finalizers = (metadata.finalizers as string[] | undefined) ?? [];
      if (!finalizers.includes(crdCleanupFinalizer)) metadata.finalizers = [...finalizers, crdCleanupFinalizer];
      break;
    }
    case "v1/Secret": {
      // stringData is write-only: merged into data, base64-encoded, and never stored.
      const stringData = obj(object.stringData);
      if (object.stringData !== undefined) {
        object.data = { ...obj(object.data), ...Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString("base64")])) };
        delete object.stringData;
      }
      setDefault(object, "type", "Opaque");
      break;
    }
    case "v1/Service": {
      if (object.spec === undefined) break;
      setDefault(spec, "type", "ClusterIP");
      setDefault(spec, "sessionAffinity", "None");
      for (const port of list(spec.ports)) {
        setDefault(port, "protocol", "TCP");
        setDefault(port, "targetPort", port.port ?? null);
      }
      // An update that leaves clusterIP out keeps the one allocated.
      const allocated = obj(before?.spec).clusterIP;
      if (spec.type !== "ExternalName" && spec.clusterIP === undefined) spec.clusterIP = allocated ?? `10.96.${Math.floor(nextClusterIp / 250)}.${(nextClusterIp++ % 250) + 1}`;
      if (typeof spec.clusterIP === "string") setDefault(spec, "clusterIPs", [spec.clusterIP]);
      break;
    }
    case "apps/v1/Deployment": {
      if (object.spec === undefined) break;
      setDefault(spec, "replicas", 1);
      setDefault(spec, "revisionHistoryLimit", 10);
      setDefault(spec, "progressDeadlineSeconds", 600);
      setDefault(spec, "strategy", { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
      defaultPodSpec(obj(obj(spec.template).spec));
      break;
    }
    case "batch/v1/Job":
      if (object.spec === undefined) break;
      setDefault(spec, "backoffLimit", 6);
      setDefault(spec, "completions", 1);
      setDefault(spec, "parallelism", 1);
      defaultPodSpec(obj(obj(spec.template).spec));
      break;
    case "batch/v1/CronJob":
      if (object.spec === undefined) break;
      setDefault(spec, "concurrencyPolicy", "Allow");
      setDefault(spec, "suspend", false);
      setDefault(spec, "successfulJobsHistoryLimit", 3);
      setDefault(spec, "failedJobsHistoryLimit", 1);
      defaultPodSpec(obj(obj(obj(obj(spec.jobTemplate).spec).template).spec));
      break;
    case "networking.k8s.io/v1/NetworkPolicy":
      if (object.spec === undefined) break;
      setDefault(spec, "policyTypes", spec.egress === undefined ? ["Ingress"] : ["Ingress", "Egress"]);
      for (const rule of [...list(spec.ingress), ...list(spec.egress)]) for (const port of list(rule.ports)) setDefault(port, "protocol", "TCP");
      break;
    default:
      break;
  }
}

function portCause(field: string, value: JsonValue | undefined, required = true): StatusCause[] {
  if (value === undefined || value === null) return required ? [{ type: "FieldValueRequired", field, message: "Required value" }] : [];
  if (typeof value === "string") return [];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    return [{ type: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: must be between 1 and 65535, inclusive` }];
  }
  return [];
}

function podSpecCauses(spec: JsonObject, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const containers = list(spec.containers);
  if (containers.length === 0) causes.push({ type: "FieldValueRequired", field: `${path}.containers`, message: "Required value" });
  containers.forEach((container, i) => {
    const where = `${path}.containers[${i}]`;
    const name = typeof container.name === "string" ? container.name : "";
    if (!name) causes.push({ type: "FieldValueRequired", field: `${where}.name`, message: "Required value" });
    else if (!dns1123Label.test(name)) causes.push({ type: "FieldValueInvalid", field: `${where}.name`, message: labelMessage(name) });
    if (!container.image) causes.push({ type: "FieldValueRequired", field: `${where}.image`, message: "Required value" });
    list(container.ports).forEach((port, j) => causes.push(...portCause(`${where}.ports[${j}].containerPort`, port.containerPort)));
  });
  return causes;
}

function immutable(causes: StatusCause[], field: string, before: JsonValue | undefined, after: JsonValue | undefined): void {
  if (before !== undefined && !jsonEqual(before, after)) causes.push({ type: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(after ?? null)}: field is immutable` });
}

function selectorMatchesTemplate(spec: JsonObject, path: string): StatusCause[] {
  const selector = obj(obj(spec.selector).matchLabels);
  const labels = obj(obj(obj(spec.template).metadata).labels);
  if (spec.selector === undefined) return [{ type: "FieldValueRequired", field: `${path}.selector`, message: "Required value" }];
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) {
    return [{ type: "FieldValueInvalid", field: `${path}.template.metadata.labels`, message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` }];
  }
  return [];
}

/** A kind's own validation, beyond the schema; `before` for updates (immutable fields). */
export function kindCauses(resource: ResourceType, object: JsonObject, before: JsonObject | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const metadata = object.metadata as JsonObject;
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const annotationBytes = Object.entries(obj(metadata.annotations)).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  if (annotationBytes > maxAnnotationBytes) causes.push({ type: "FieldValueTooLong", field: "metadata.annotations", message: `Too long: must have at most ${maxAnnotationBytes} bytes` });
  const spec = obj(object.spec);
  const previous = before ? obj(before.spec) : undefined;
  switch (kindOf(resource)) {
    case "apiextensions.k8s.io/v1/CustomResourceDefinition":
      return [...causes, ...crdCauses(object)];
    case "coordination.k8s.io/v1/Lease":
      return [...causes, ...leaseCauses(object)];
    case "v1/Namespace":
      if (name && !dns1123Label.test(name)) causes.push({ type: "FieldValueInvalid", field: "metadata.name", message: labelMessage(name) });
      break;
    case "v1/Service": {
      if (name && !dns1035Label.test(name)) causes.push({ type: "FieldValueInvalid", field: "metadata.name", message: dns1035Message(name) });
      const ports = list(spec.ports);
      ports.forEach((port, i) => {
        causes.push(...portCause(`spec.ports[${i}].port`, port.port));
        causes.push(...portCause(`spec.ports[${i}].targetPort`, port.targetPort, false));
        if (ports.length > 1 && !port.name) causes.push({ type: "FieldValueRequired", field: `spec.ports[${i}].name`, message: "Required value" });
      });
      if (previous && previous.clusterIP !== undefined && spec.clusterIP !== undefined) immutable(causes, "spec.clusterIPs[0]", previous.clusterIP, spec.clusterIP);
      break;
    }
    case "v1/ConfigMap":
    case "v1/Secret": {
      const secret = resource.kind === "Secret";
      const size = [...Object.entries(obj(object.data)), ...Object.entries(obj(object.binaryData))].reduce(
        (n, [k, v]) => n + k.length + (secret ? Buffer.from(String(v), "base64").length : Buffer.byteLength(String(v))),
        0,
      );
      if (size > maxDataBytes) causes.push({ type: "FieldValueTooLong", field: secret ? "data" : "[]", message: `Too long: must have at most ${maxDataBytes} bytes` });
      if (before?.immutable === true) {
        if (!jsonEqual(before.data, object.data)) causes.push({ type: "FieldValueForbidden", field: "data", message: "Forbidden: field is immutable when `immutable` is set" });
        if (object.immutable !== true) causes.push({ type: "FieldValueForbidden", field: "immutable", message: "Forbidden: field is immutable when `immutable` is set" });
      }
      if (secret) immutable(causes, "type", before?.type, object.type);
      break;
    }
    case "apps/v1/Deployment":
      if (object.spec === undefined) break;
      causes.push(...selectorMatchesTemplate(spec, "spec"), ...podSpecCauses(obj(obj(spec.template).spec), "spec.template.spec"));
      if (typeof spec.replicas === "number" && spec.replicas < 0) causes.push({ type: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0` });
      if (previous) immutable(causes, "spec.selector", previous.selector, spec.selector);
      break;
    case "batch/v1/Job":
      if (object.spec === undefined) break;
      causes.push(...podSpecCauses(obj(obj(spec.template).spec), "spec.template.spec"));
      if (previous) immutable(causes, "spec.template", previous.template, spec.template);
      break;
    case "batch/v1/CronJob":
      if (object.spec === undefined) break;
      if (!spec.schedule) causes.push({ type: "FieldValueRequired", field: "spec.schedule", message: "Required value" });
      else if (String(spec.schedule).trim().split(/\s+/).length !== 5 && !String(spec.schedule).startsWith("@")) {
        causes.push({ type: "FieldValueInvalid", field: "spec.schedule", message: `Invalid value: ${JSON.stringify(spec.schedule)}: Expected exactly 5 fields, found ${String(spec.schedule).trim().split(/\s+/).length}: ${String(spec.schedule)}` });
      }
      causes.push(...podSpecCauses(obj(obj(obj(obj(spec.jobTemplate).spec).template).spec), "spec.jobTemplate.spec.template.spec"));
      break;
    case "networking.k8s.io/v1/NetworkPolicy":
      for (const [direction, rules] of [["ingress", list(spec.ingress)], ["egress", list(spec.egress)]] as const) {
        rules.forEach((rule, i) => list(rule.ports).forEach((port, j) => causes.push(...portCause(`spec.${direction}[${i}].ports[${j}].port`, port.port, false))));
      }
      break;
    default:
      break;
  }
  return causes;
}

/** ValidateLeaseSpec: a duration must be positive, transitions never negative. */
function leaseCauses(lease: JsonObject): StatusCause[] {
  const spec = (lease.spec ?? {}) as { leaseDurationSeconds?: number; leaseTransitions?: number };
  const causes: StatusCause[] = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    causes.push({ type: "FieldValueInvalid", field: "spec.leaseDurationSeconds", message: `Invalid value: ${spec.leaseDurationSeconds}: must be greater than 0` });
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    causes.push({ type: "FieldValueInvalid", field: "spec.leaseTransitions", message: `Invalid value: ${spec.leaseTransitions}: must be greater than or equal to 0` });
  }
  return causes;
}
