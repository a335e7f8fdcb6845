import type { EndpointAddress } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { JsonObject } from "../model/index.js";
import type { GatewayVisibility } from "./binding-endpoints.js";
import type { BindingView } from "./binding-view.js";
import type { EndpointLookup } from "./endpoint-lookup.js";
import { renderError, type RenderProblem } from "./render-problem.js";
import { sortedEntries } from "./sorted-entries.js";

export interface ConnectionsRender {
  /** Environment variables the connections inject into every container of the workload. */
  readonly env: JsonObject[];
  /** Gateways the workload must reach: the way to endpoints of other projects. */
  readonly gateways: ReadonlySet<GatewayVisibility>;
  readonly problems: RenderProblem[];
}

const placeholder = /\{\{\s*\.(\w+)\s*\}\}/g;

/**
 * Resolves a workload's connections (`type: api`, params projectName, componentName, endpoint) in
 * the binding's environment. An endpoint of the same project is reached inside the cell, through its
 * Service; one of another project only through a gateway (cells talk through gateways): the internal
 * one when the endpoint is exposed to the organization, else the external one when it is public.
 * `inject.env` values are templates over `{{ .url }}`, `{{ .host }}` and `{{ .port }}`. A
 * connection that cannot be resolved injects nothing and is reported.
 */
export function resolveConnections(view: BindingView, lookup: EndpointLookup): ConnectionsRender {
  const env: JsonObject[] = [];
  const gateways = new Set<GatewayVisibility>();
  const problems: RenderProblem[] = [];
  for (const [name, connection] of sortedEntries(view.workload.connections)) {
    const fail = (message: string) => problems.push(renderError("ConnectionUnresolved", `connection "${name}": ${message}`));
    if (connection.type !== "api") {
      fail(`type "${connection.type ?? ""}" is not supported (api)`);
      continue;
    }
    const project = connection.params.projectName || view.scope.project;
    const component = connection.params.componentName;
    const endpoint = connection.params.endpoint;
    if (!component || !endpoint) {
      fail("params componentName and endpoint are required");
      continue;
    }
    const target = lookup({ project, component, endpoint });
    if (!target) {
      fail(`endpoint "${endpoint}" of component "${component}" in project "${project}" is not deployed in environment "${view.scope.environment}"`);
      continue;
    }
    let address: EndpointAddress | undefined;
    if (project === view.scope.project) {
      address = target.project;
    } else if (target.organization) {
      address = target.organization;
      gateways.add("Organization");
    } else if (target.public) {
      address = target.public;
      gateways.add("Public");
    }
    if (!address) {
      fail(`endpoint "${endpoint}" of component "${component}" is visible only inside project "${project}"`);
      continue;
    }
    const values: Record<string, string> = { url: address.uri ?? "", host: address.host ?? "", port: String(address.port ?? "") };
    for (const variable of connection.inject?.env ?? []) {
      const unknown = [...(variable.value ?? "").matchAll(placeholder)].map((m) => m[1]!).filter((key) => !(key in values));
      if (unknown.length > 0) {
        fail(`variable "${variable.name ?? ""}" uses ${unknown.map((k) => `{{ .${k} }}`).join(", ")}; known are {{ .url }}, {{ .host }} and {{ .port }}`);
        continue;
      }
      env.push({ name: variable.name ?? "", value: (variable.value ?? "").replace(placeholder, (_, key: string) => values[key]!) });
    }
  }
  return { env, gateways, problems };
}
