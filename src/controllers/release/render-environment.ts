import type { DescMessage } from "@bufbuild/protobuf";
import { APIClassSchema } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { ConfigurationGroupSchema } from "../../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { EnvironmentSchema } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ScheduledTaskBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_binding_pb.js";
import { ScheduledTaskClassSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_class_pb.js";
import { ServiceBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import { ServiceClassSchema } from "../../../gen/openchoreo/model/v1alpha1/service_class_pb.js";
import { WebApplicationBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_binding_pb.js";
import { WebApplicationClassSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_class_pb.js";
import { FailedPreconditionError, NotFoundError, isNotFoundError } from "../../errors/index.js";
import type { JsonObject } from "../../model/index.js";
import {
  cellNamespace,
  createEndpointLookup,
  dataPlaneSettings,
  renderBinding,
  renderCell,
  type BindingRenderInput,
  type ComponentBinding,
  type ComponentClass,
  type RenderProblem,
} from "../../render/index.js";
import type { ObjectKey, ResourceStore } from "../../store/index.js";
import { findObject } from "../find-object.js";

/** The binding kinds of a component in an environment, with the class kind each names. */
const bindingKinds: readonly { binding: DescMessage; componentClass: DescMessage }[] = [
  { binding: ServiceBindingSchema, componentClass: ServiceClassSchema },
  { binding: WebApplicationBindingSchema, componentClass: WebApplicationClassSchema },
  { binding: ScheduledTaskBindingSchema, componentClass: ScheduledTaskClassSchema },
];

export interface RenderedRelease {
  readonly name: string;
  readonly objects: JsonObject[];
}

export interface EnvironmentRender {
  readonly releases: RenderedRelease[];
  readonly problems: RenderProblem[];
}

/**
 * What one environment receives for one component: the Release of its Binding and the cell
 * Release of its project, rendered by the pure renderers from what the store holds now. The
 * environment's other bindings are rendered too, only for the endpoints connections resolve to.
 */
export async function renderComponentEnvironment(store: ResourceStore, key: ObjectKey, environmentName: string): Promise<EnvironmentRender> {
  const { namespace } = key;
  const environment = await store.get(EnvironmentSchema, { namespace, name: environmentName });
  const dataPlaneName = environment.spec?.dataPlaneRef ?? "";
  let dataPlane;
  try {
    dataPlane = await store.get(DataPlaneSchema, { namespace, name: dataPlaneName });
  } catch (err) {
    if (isNotFoundError(err)) throw new FailedPreconditionError(`environment "${environmentName}" names DataPlane "${dataPlaneName}", which does not exist`);
    throw err;
  }
  const settings = dataPlaneSettings(dataPlane);

  const bindings: { binding: ComponentBinding; componentClass: DescMessage }[] = [];
  for (const kind of bindingKinds) {
    const { items } = await store.list(kind.binding, { namespace });
    for (const binding of items as ComponentBinding[]) {
      if (binding.spec?.environment === environmentName) bindings.push({ binding, componentClass: kind.componentClass });
    }
  }
  const target = bindings.find((b) => b.binding.spec?.owner?.componentName === key.name);
  if (!target) throw new NotFoundError(`component "${key.name}" has no binding in environment "${environmentName}"`);

  const shared = {
    environment,
    settings,
    apiClasses: (await store.list(APIClassSchema, { namespace })).items,
    configurationGroups: (await store.list(ConfigurationGroupSchema, { namespace })).items,
  };
  const inputOf = async ({ binding, componentClass }: (typeof bindings)[number], endpoints: BindingRenderInput["endpoints"]): Promise<BindingRenderInput> => ({
    ...shared,
    binding,
    componentClass: await classNamed(store, componentClass, namespace, binding.spec?.className ?? "default"),
    endpoints,
  });

  // First pass: every binding's endpoints, so connections between components resolve.
  const noEndpoints = createEndpointLookup([]);
  const reported = [];
  for (const entry of bindings) {
    const render = renderBinding(await inputOf(entry, noEndpoints));
    const owner = entry.binding.spec?.owner;
    reported.push({ project: owner?.projectName ?? "", component: owner?.componentName ?? "", endpoints: render.endpointStatuses });
  }
  const rendered = renderBinding(await inputOf(target, createEndpointLookup(reported)));

  const project = target.binding.spec?.owner?.projectName ?? "";
  const cell = renderCell({ organization: namespace, project, environment: environmentName, settings });
  return {
    releases: [
      { name: target.binding.metadata?.name ?? "", objects: rendered.manifests },
      { name: cellNamespace(namespace, project, environmentName), objects: cell.manifests },
    ],
    problems: [...rendered.problems, ...cell.problems],
  };
}

async function classNamed(store: ResourceStore, schema: DescMessage, namespace: string, name: string): Promise<ComponentClass | undefined> {
  return (await findObject(store, schema, { namespace, name })) as ComponentClass | undefined;
}
