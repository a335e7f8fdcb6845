import { labels, type JsonObject, type KindInfo, type KindRegistry } from "../model/index.js";
import { readinessOf, readinessText, type Readiness } from "./conditions.js";
import type { Api } from "./create-api.js";
import { jsonPathText } from "./json-path.js";
import { listAll } from "./list-and-watch.js";
import { asObject, objectMeta } from "./object-meta.js";

/** A component in one environment, as its Binding says. */
export interface BindingView {
  readonly kind: KindInfo;
  readonly name: string;
  readonly component: string;
  readonly environment: string;
  /** releaseState: Active, Suspend or Undeploy. */
  readonly state: string;
  readonly readiness: Readiness;
  /** Where its endpoints answer through a gateway (public first), as its status reports them. */
  readonly urls: readonly string[];
}

/**
 * The Binding kind of a component type: OpenChoreo names them after the type ("Service" →
 * ServiceBinding), so the registry, not a table here, says which exist.
 */
function bindingKindOf(registry: KindRegistry, componentType: string): KindInfo | undefined {
  return componentType ? registry.resolve(`${componentType}Binding`) : undefined;
}

/**
 * The bindings of components of the given types in a namespace (of one component when named), found
 * by the component label the platform sets. Environment and state are read through the binding kind's
 * own printer columns, which know where each kind keeps them (APIBinding says environmentName).
 */
export async function listBindings(
  api: Api,
  registry: KindRegistry,
  options: { readonly namespace: string; readonly componentTypes: Iterable<string>; readonly component?: string; readonly signal?: AbortSignal },
): Promise<BindingView[]> {
  const kinds = new Set([...options.componentTypes].map((t) => bindingKindOf(registry, t)).filter((k): k is KindInfo => k !== undefined));
  const labelSelector = options.component ? `${labels.component}=${options.component}` : labels.component;
  const views = await Promise.all(
    [...kinds].map(async (kind) => {
      const column = (name: string) => kind.printerColumns.find((c) => c.name === name)?.jsonPath;
      const environmentPath = column("Environment");
      const statePath = column("State");
      const { items } = await listAll(api, { kind, namespace: options.namespace, labelSelector }, options.signal);
      return items.map((object: JsonObject) => ({
        kind,
        name: objectMeta(object).name,
        component: objectMeta(object).labels[labels.component] ?? String(asObject(asObject(object.spec).owner).componentName ?? ""),
        environment: environmentPath ? jsonPathText(object, environmentPath) : "",
        state: statePath ? jsonPathText(object, statePath) : "",
        readiness: readinessOf(object),
        urls: gatewayUrls(object),
      }));
    }),
  );
  return views.flat();
}

/** The public, then the organization, gateway URLs of a binding's endpoints (status.endpoints). */
function gatewayUrls(binding: JsonObject): string[] {
  const endpoints = asObject(binding.status).endpoints;
  if (!Array.isArray(endpoints)) return [];
  const uris = (level: string) => endpoints.map((e) => asObject(asObject(e)[level]).uri).filter((u): u is string => typeof u === "string" && u !== "");
  return [...uris("public"), ...uris("organization")];
}

/** A binding's readiness in a word or two: "Ready", the reason it is not, or its release state. */
export function bindingSummary(binding: BindingView): string {
  if (binding.state && binding.state !== "Active") return binding.state;
  return readinessText(binding.readiness, "reason");
}
