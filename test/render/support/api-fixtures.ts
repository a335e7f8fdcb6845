import { APIBindingSchema, type APIBinding } from "../../../gen/openchoreo/model/v1alpha1/api_binding_pb.js";
import { APISchema, type API } from "../../../gen/openchoreo/model/v1alpha1/api_pb.js";
import type { JsonObject } from "../../../src/model/index.js";
import { dataPlaneSettings, renderApiBinding, type ApiBindingRender } from "../../../src/render/index.js";
import { codec, defaultDataPlane, platformDefaults } from "./reference-fixtures.js";

// No v0.3 sample declares an API: this one fronts the greeter sample's REST endpoint (port 9090,
// served under /api/v1 as its OpenAPI document says), in the development environment.

/** The managed API `greeter-managed`, exposed at `exposeLevels`. */
export function greeterApi(exposeLevels: readonly string[]): API {
  return codec.decodeAs(APISchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "API",
    metadata: { name: "greeter-managed", namespace: "default" },
    spec: {
      className: "default",
      environmentName: "development",
      owner: { projectName: "default", componentName: "greeter-service" },
      type: "REST",
      rest: { backend: { basePath: "/api/v1", port: 9090 }, exposeLevels: [...exposeLevels] },
    },
  });
}

/** Its APIBinding in development, with this class and release state. */
export function greeterApiBinding(apiClassName: string, releaseState = "Active"): APIBinding {
  const json: JsonObject = {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "APIBinding",
    metadata: { name: "greeter-managed-development", namespace: "default" },
    spec: { apiName: "greeter-managed", apiClassName, environmentName: "development", releaseState },
  };
  return codec.decodeAs(APIBindingSchema, json);
}

/** An APIBinding rendered as the controller would: the class by name from the defaults, the greeter deployed. */
export function renderApiInDevelopment(api: API, apiBinding: APIBinding): ApiBindingRender {
  const { environments, apiClasses } = platformDefaults();
  return renderApiBinding({
    apiBinding,
    api,
    apiClass: apiClasses.find((c) => c.metadata?.name === apiBinding.spec?.apiClassName),
    environment: environments.find((e) => e.metadata?.name === "development")!,
    settings: dataPlaneSettings(defaultDataPlane()),
    backendComponent: api.spec?.owner?.componentName,
  });
}
