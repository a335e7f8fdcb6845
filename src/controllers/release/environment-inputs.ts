import type { DescMessage } from "@bufbuild/protobuf";
import { APIClassSchema } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { ConfigurationGroupSchema } from "../../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import { DataPlaneSchema, type DataPlane } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { EnvironmentSchema, type Environment } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ScheduledTaskBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_binding_pb.js";
import { ScheduledTaskClassSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_class_pb.js";
import { ServiceBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import { ServiceClassSchema } from "../../../gen/openchoreo/model/v1alpha1/service_class_pb.js";
import { WebApplicationBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_binding_pb.js";
import { WebApplicationClassSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_class_pb.js";
import type { Reader } from "../../core/index.js";
import {
  createEndpointLookup,
  dataPlaneSettings,
  renderBinding,
  type BindingRender,
  type BindingRenderInput,
  type ComponentBinding,
  type ComponentClass,
  type ComponentEndpoints,
  type DataPlaneSettings,
  type EndpointLookup,
} from "../../render/index.js";
import type { ResourceObject } from "../../store/index.js";
import { findObject } from "../find-object.js";
import { bindingsOfComponent } from "./binding-indexes.js";

/** The binding kinds of a component in an environment, with the class kind each names. */
export const componentBindingKinds: readonly { readonly binding: DescMessage; readonly componentClass: DescMessage }[] = [
  { binding: ServiceBindingSchema, componentClass: ServiceClassSchema },
  { binding: WebApplicationBindingSchema, componentClass: WebApplicationClassSchema },
  { binding: ScheduledTaskBindingSchema, componentClass: ScheduledTaskClassSchema },
];

/** Why an environment cannot be rendered at all. */
export interface EnvironmentUnavailable {
  readonly reason: "EnvironmentNotFound" | "DataPlaneNotFound";
  readonly message: string;
}

/** Everything the bindings of one environment render from, read once. */
export interface EnvironmentInputs {
  readonly environment: Environment;
  readonly dataPlane: DataPlane;
  readonly settings: DataPlaneSettings;
  /** Renders one of the environment's bindings, with its connections resolved. */
  render(binding: ComponentBinding): Promise<BindingRender>;
}

/**
 * Reads an environment's inputs from a reader (a reconcile's cache, or the store through
 * `storeReader`). A binding's connections resolve to the endpoints of the bindings they name, which
 * are rendered too (found through bindingComponentIndex, and only those: a render costs what its
 * connections cost, not what the environment holds), from their specs rather than their statuses,
 * so a binding's Release is the same whoever asks for it and whenever.
 */
export async function readEnvironmentInputs(reader: Reader, namespace: string, environmentName: string): Promise<EnvironmentInputs | EnvironmentUnavailable> {
  const environment = await findObject(reader, EnvironmentSchema, { namespace, name: environmentName });
  if (!environment) return { reason: "EnvironmentNotFound", message: `Environment "${environmentName}" not found in namespace "${namespace}"` };
  const dataPlaneName = environment.spec?.dataPlaneRef ?? "";
  const dataPlane = await findObject(reader, DataPlaneSchema, { namespace, name: dataPlaneName });
  if (!dataPlane) return { reason: "DataPlaneNotFound", message: `environment "${environmentName}" names DataPlane "${dataPlaneName}", which does not exist` };
  const settings = dataPlaneSettings(dataPlane);
  const shared = {
    environment,
    settings,
    apiClasses: await reader.list(APIClassSchema, { namespace }),
    configurationGroups: await reader.list(ConfigurationGroupSchema, { namespace }),
  };
  const classOf = async (binding: ComponentBinding): Promise<ComponentClass | undefined> => {
    const kind = componentBindingKinds.find((k) => k.binding.typeName === binding.$typeName);
    const name = binding.spec?.className ?? "default";
    return kind && ((await findObject(reader, kind.componentClass, { namespace, name })) as ComponentClass | undefined);
  };
  const inputOf = async (binding: ComponentBinding, endpoints: EndpointLookup): Promise<BindingRenderInput> => ({
    ...shared,
    binding,
    componentClass: await classOf(binding),
    endpoints,
  });
  // What each connected-to component's bindings report, rendered once per inputs.
  const noEndpoints = createEndpointLookup([]);
  const reportedBy = new Map<string, Promise<ComponentEndpoints[]>>();
  const endpointsOf = (component: string): Promise<ComponentEndpoints[]> => {
    let reported = reportedBy.get(component);
    if (!reported) {
      reported = (async () => {
        const found: ComponentEndpoints[] = [];
        for (const kind of componentBindingKinds) {
          for (const target of await bindingsOfComponent(reader, kind.binding, namespace, environmentName, component)) {
            const owner = target.spec?.owner;
            const render = renderBinding(await inputOf(target, noEndpoints));
            found.push({ project: owner?.projectName ?? "", component: owner?.componentName ?? "", endpoints: render.endpointStatuses });
          }
        }
        return found;
      })();
      reportedBy.set(component, reported);
    }
    return reported;
  };
  const endpointLookup = async (binding: ComponentBinding): Promise<EndpointLookup> => {
    const targets = new Set(Object.values(binding.spec?.workloadSpec?.connections ?? {}).map((c) => c.params?.componentName ?? ""));
    targets.delete("");
    const reported: ComponentEndpoints[] = [];
    for (const component of [...targets].sort()) reported.push(...(await endpointsOf(component)));
    return createEndpointLookup(reported);
  };
  return {
    environment,
    dataPlane,
    settings,
    render: async (binding) => renderBinding(await inputOf(binding, await endpointLookup(binding))),
  };
}

export function isEnvironmentUnavailable(value: EnvironmentInputs | EnvironmentUnavailable): value is EnvironmentUnavailable {
  return "reason" in value;
}

/** The binding (of any kind) that deploys a component to an environment; the first, if there are several. */
export async function componentBindingIn(reader: Reader, namespace: string, environmentName: string, component: string): Promise<ComponentBinding | undefined> {
  for (const kind of componentBindingKinds) {
    const [found] = await bindingsOfComponent(reader, kind.binding, namespace, environmentName, component);
    if (found) return found;
  }
  return undefined;
}

/** The component bindings of a kind-agnostic object list, e.g. to map a watched object to bindings. */
export function isComponentBinding(object: ResourceObject): object is ComponentBinding {
  return componentBindingKinds.some((k) => k.binding.typeName === object.$typeName);
}
