import type { Container } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { isJsonObject, type JsonObject } from "../model/index.js";
import type { BindingEndpoint } from "./binding-endpoints.js";
import type { BindingView } from "./binding-view.js";
import type { ConfigurationRender } from "./configuration.js";
import { deepMerge } from "./deep-merge.js";
import { scopeLabels } from "./object-meta.js";
import { renderWarning, type RenderProblem } from "./render-problem.js";
import { sortedEntries } from "./sorted-entries.js";

export interface PodTemplateInput {
  readonly view: BindingView;
  /** The Class's pod template (of its Deployment or of its CronJob's Job). */
  readonly template: JsonObject | undefined;
  readonly configuration: ConfigurationRender;
  /** What the workload's connections inject. */
  readonly connectionEnv: readonly JsonObject[];
  /** The binding's endpoints, which the first container serves. */
  readonly endpoints: readonly BindingEndpoint[];
}

/**
 * The Class's pod template merged with the workload. A workload container merges into the template
 * container of the same name, which keeps what the platform sets (resources, probes, security
 * context...); the workload sets image, command, args and env, and its first container gets the
 * endpoints' ports. Environment precedence: the workload's variables, then the connections', then
 * the template's. Template containers with no workload counterpart stay only when they name an
 * image (platform sidecars). Pods carry the scope labels, which Services, selectors and network
 * policies match.
 */
export function renderPodTemplate(input: PodTemplateInput): { template: JsonObject; problems: RenderProblem[] } {
  const { view, configuration } = input;
  const problems: RenderProblem[] = [];
  const base = input.template ?? {};
  const baseSpec = isJsonObject(base.spec) ? base.spec : {};
  const templateContainers = Array.isArray(baseSpec.containers) ? baseSpec.containers.filter(isJsonObject) : [];
  const workload = new Map(sortedEntries(view.workload.containers));

  const merge = (template: JsonObject, name: string, container: Container): JsonObject => {
    const out = deepMerge(template, { name, image: container.image ?? "" });
    if (container.command.length > 0) out.command = [...container.command];
    if (container.args.length > 0) out.args = [...container.args];
    const env = mergeEnv(objectList(template.env), input.connectionEnv);
    const own = configuration.containerEnv.get(name) ?? [];
    for (const variable of own) {
      if (input.connectionEnv.some((c) => c.name === variable.name)) {
        problems.push(renderWarning("EnvOverridden", `container "${name}" sets ${String(variable.name)}, which a connection injects: the container's value wins`));
      }
    }
    const merged = mergeEnv(env, own);
    if (merged.length > 0) out.env = merged;
    if (configuration.secrets?.containers.has(name)) {
      out.volumeMounts = [...objectList(template.volumeMounts), configuration.secrets.mount];
    }
    return out;
  };

  const containers: JsonObject[] = [];
  // The first workload container serves the endpoints (a workload does not say which one does).
  let serving: JsonObject | undefined;
  for (const template of templateContainers) {
    const name = typeof template.name === "string" ? template.name : "";
    const container = workload.get(name);
    if (container) {
      const merged = merge(template, name, container);
      serving ??= merged;
      containers.push(merged);
      workload.delete(name);
    } else if (typeof template.image === "string" && template.image) {
      containers.push(structuredClone(template));
    }
  }
  for (const [name, container] of workload) {
    const merged = merge({}, name, container);
    serving ??= merged;
    containers.push(merged);
  }
  const ports = serving ? containerPorts(objectList(serving.ports), input.endpoints) : [];
  if (serving && ports.length > 0) serving.ports = ports;

  const spec: JsonObject = { ...structuredClone(baseSpec), containers };
  if (configuration.secrets) spec.volumes = [...objectList(baseSpec.volumes), configuration.secrets.volume];
  const metadata = deepMerge(isJsonObject(base.metadata) ? base.metadata : {}, { labels: scopeLabels(view.scope) });
  const template: JsonObject = { metadata, spec };
  for (const [key, value] of Object.entries(base)) if (!(key in template)) template[key] = structuredClone(value);
  return { template, problems };
}

/** The objects of a JSON list (env, volumes, mounts, ports), copied; [] when absent. */
function objectList(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject).map((v) => structuredClone(v)) : [];
}

/** Variables of `over` replace those of `base` with the same name, in place; new ones are appended. */
function mergeEnv(base: readonly JsonObject[], over: readonly JsonObject[]): JsonObject[] {
  const out = base.map((v) => structuredClone(v));
  for (const variable of over) {
    const at = out.findIndex((v) => v.name === variable.name);
    if (at >= 0) out[at] = structuredClone(variable);
    else out.push(structuredClone(variable));
  }
  return out;
}

/** The template's ports plus one per endpoint port (UDP endpoints over UDP). */
function containerPorts(template: JsonObject[], endpoints: readonly BindingEndpoint[]): JsonObject[] {
  const ports = [...template];
  for (const endpoint of endpoints) {
    const protocol = endpoint.type === "UDP" ? "UDP" : "TCP";
    const known = ports.some((p) => p.containerPort === endpoint.port && (p.protocol ?? "TCP") === protocol);
    if (!known) ports.push({ containerPort: endpoint.port, protocol });
  }
  return ports;
}
