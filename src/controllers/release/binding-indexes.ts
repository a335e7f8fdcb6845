import type { DescMessage } from "@bufbuild/protobuf";
import type { FieldIndex, Reader } from "../../core/index.js";
import type { ComponentBinding } from "../../render/index.js";
import type { ResourceObject } from "../../store/index.js";

// Component names are unique in their namespace (Components are namespaced objects), so an
// environment and a component name find a component's bindings; the project a connection names is
// checked by the render itself.
const componentKey = (environment: string, component: string) => `${environment}/${component}`;

const specOf = (object: ResourceObject) => (object as ComponentBinding).spec;

/** A binding by the environment and component it deploys. */
export const bindingComponentIndex: FieldIndex = {
  name: "binding.environmentComponent",
  values: (object) => {
    const spec = specOf(object);
    const component = spec?.owner?.componentName;
    return component ? [componentKey(spec?.environment ?? "", component)] : [];
  },
};

/** A binding by the components (in its own environment) its workload's connections name. */
export const bindingConnectionsIndex: FieldIndex = {
  name: "binding.connectsTo",
  values: (object) => {
    const spec = specOf(object);
    const targets = Object.values(spec?.workloadSpec?.connections ?? {}).map((c) => c.params?.componentName ?? "");
    return [...new Set(targets.filter((t) => t !== ""))].map((t) => componentKey(spec?.environment ?? "", t));
  },
};

/** The bindings of a kind that deploy a component to an environment (normally one). */
export async function bindingsOfComponent(reader: Reader, schema: DescMessage, namespace: string, environment: string, component: string): Promise<ComponentBinding[]> {
  return (await reader.list(schema, { namespace, field: { index: bindingComponentIndex, value: componentKey(environment, component) } })) as ComponentBinding[];
}

/** The bindings of a kind whose connections name a component in an environment. */
export async function bindingsConnectingTo(reader: Reader, schema: DescMessage, namespace: string, environment: string, component: string): Promise<ResourceObject[]> {
  return (await reader.list(schema, { namespace, field: { index: bindingConnectionsIndex, value: componentKey(environment, component) } })) as ResourceObject[];
}
