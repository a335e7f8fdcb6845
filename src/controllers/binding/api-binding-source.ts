import { APIBindingSchema, type APIBinding } from "../../../gen/openchoreo/model/v1alpha1/api_binding_pb.js";
import { APIClassSchema } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { APISchema } from "../../../gen/openchoreo/model/v1alpha1/api_pb.js";
import type { Clock } from "../../core/index.js";
import { renderApiBinding, type ComponentBinding } from "../../render/index.js";
import { findObject } from "../find-object.js";
import { writeStatus } from "../object-status.js";
import { environmentOf } from "../references/declarations.js";
import type { Reference } from "../references/reference-controller.js";
import { bindingsOfComponent } from "../release/binding-indexes.js";
import { componentBindingKinds, isEnvironmentUnavailable, readEnvironmentInputs } from "../release/environment-inputs.js";
import type { ReleaseSource } from "./release-source.js";

const present = (name: string | undefined): string[] => (name ? [name] : []);

export const apiOfBinding: Reference = { type: "APIResolved", schema: APISchema, names: (o) => present((o as APIBinding).spec?.apiName) };

/**
 * An APIBinding: its API as a managed API in front of the backend component's Service, in that
 * component's cell; the API's status.address says where it is served.
 */
export function apiBindingSource(clock: Clock): ReleaseSource {
  return {
    schema: APIBindingSchema,
    references: [apiOfBinding, environmentOf("environmentName"), { type: "ClassResolved", schema: APIClassSchema, names: (o) => present((o as APIBinding).spec?.apiClassName) }],
    owns: [],
    async render(client, object) {
      const apiBinding = object as APIBinding;
      const namespace = apiBinding.metadata?.namespace ?? "";
      const environmentName = apiBinding.spec?.environmentName ?? "";
      const api = await findObject(client, APISchema, { namespace, name: apiBinding.spec?.apiName ?? "" });
      if (!api) return { reason: "APINotFound", message: `API "${apiBinding.spec?.apiName ?? ""}" not found in namespace "${namespace}"` };
      const inputs = await readEnvironmentInputs(client, namespace, environmentName);
      if (isEnvironmentUnavailable(inputs)) return inputs;
      const owner = api.spec?.owner;
      let backend: ComponentBinding | undefined;
      for (const kind of componentBindingKinds) {
        backend ??= (await bindingsOfComponent(client, kind.binding, namespace, environmentName, owner?.componentName ?? "")).find((b) => b.spec?.releaseState !== "Undeploy");
      }
      const render = renderApiBinding({
        apiBinding,
        api,
        apiClass: await findObject(client, APIClassSchema, { namespace, name: apiBinding.spec?.apiClassName ?? "" }),
        environment: inputs.environment,
        settings: inputs.settings,
        backendComponent: backend?.spec?.owner?.componentName,
      });
      return {
        manifests: render.manifests,
        problems: render.problems,
        target: {
          environment: environmentName,
          project: owner?.projectName ?? "",
          component: owner?.componentName ?? "",
          planeKind: "DataPlane",
          planeName: inputs.dataPlane.metadata?.name ?? "",
        },
        publish: async (client) => {
          if (api.status?.address !== render.address) await writeStatus(client, APISchema, api, [], clock.now(), { address: render.address });
        },
      };
    },
  };
}
