import type { DescMessage } from "@bufbuild/protobuf";
import { EndpointSchema } from "../../../gen/openchoreo/model/v1alpha1/endpoint_pb.js";
import type { ComponentBinding } from "../../render/index.js";
import { statusSchemaOf } from "../object-status.js";
import { artifact, classOf, component, environmentOf, project } from "../references/declarations.js";
import { isEnvironmentUnavailable, readEnvironmentInputs } from "../release/environment-inputs.js";
import type { ReleaseSource } from "./release-source.js";
import { syncEndpoints } from "./sync-endpoints.js";

/**
 * A Service, WebApplication or ScheduledTask Binding: rendered against everything its environment
 * holds; its Endpoint objects follow its endpoints, and its status lists their addresses.
 */
export function componentBindingSource(schema: DescMessage, componentClass: DescMessage): ReleaseSource {
  const hasEndpoints = statusSchemaOf(schema).fields.some((f) => f.localName === "endpoints");
  return {
    schema,
    references: [project, component, environmentOf("environment"), classOf(componentClass), artifact],
    owns: [EndpointSchema],
    async render(client, object) {
      const binding = object as ComponentBinding;
      const inputs = await readEnvironmentInputs(client, binding.metadata?.namespace ?? "", binding.spec?.environment ?? "");
      if (isEnvironmentUnavailable(inputs)) return inputs;
      const render = await inputs.render(binding);
      const owner = binding.spec?.owner;
      return {
        manifests: render.manifests,
        problems: render.problems,
        target: {
          environment: binding.spec?.environment ?? "",
          project: owner?.projectName ?? "",
          component: owner?.componentName ?? "",
          planeKind: "DataPlane",
          planeName: inputs.dataPlane.metadata?.name ?? "",
        },
        publish: (client) => syncEndpoints(client, binding, render.endpoints),
        status: hasEndpoints ? { endpoints: render.endpointStatuses } : {},
      };
    },
  };
}
