import { create, fromJson } from "@bufbuild/protobuf";
import { APIClassSchema, type APIClass } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { EnvironmentSchema, type Environment } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ServiceClassSchema, type ServiceClass } from "../../../gen/openchoreo/model/v1alpha1/service_class_pb.js";
import { ScheduledTaskBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_binding_pb.js";
import { ServiceBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import { WebApplicationBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_binding_pb.js";
import type { JsonObject } from "../../../src/model/index.js";
import { dataPlaneSettings, type ComponentBinding, type DataPlaneSettings, type DataPlaneSettingsOverrides } from "../../../src/render/index.js";

// Small inputs for unit tests, independent of the reference data: organization acme, project shop,
// environment dev, component api. Read from JSON with the kind's own schema (unknown fields are
// refused), which spares unit tests the whole kind registry.

const bindingSchemas = {
  ServiceBinding: ServiceBindingSchema,
  WebApplicationBinding: WebApplicationBindingSchema,
  ScheduledTaskBinding: ScheduledTaskBindingSchema,
};

/** A Binding of organization acme, project shop, environment dev; `spec` is laid over that. */
export function testBinding(kind: keyof typeof bindingSchemas, spec: JsonObject = {}, component = "api"): ComponentBinding {
  const json = {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind,
    metadata: { name: `${component}-dev`, namespace: "acme", uid: `uid-${component}` },
    spec: {
      owner: { projectName: "shop", componentName: component },
      environment: "dev",
      workloadSpec: { containers: { main: { image: "example/api:1" } } },
      ...spec,
    },
  };
  return fromJson(bindingSchemas[kind], json);
}

export function testEnvironment(jwks?: string): Environment {
  return create(EnvironmentSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "Environment",
    metadata: { name: "dev", namespace: "acme" },
    spec: { dataPlaneRef: "default", gateway: { dnsPrefix: "dev", ...(jwks ? { security: { remoteJwks: { uri: jwks } } } : {}) } },
  });
}

export function testSettings(overrides: DataPlaneSettingsOverrides = {}): DataPlaneSettings {
  return dataPlaneSettings(
    create(DataPlaneSchema, { spec: { gateway: { publicVirtualHost: "apis.example.com", organizationVirtualHost: "internal.example.com" } } }),
    overrides,
  );
}

/** An APIClass named `name` with this `spec.restPolicy` (JSON, as in YAML). */
export function testApiClass(name: string, restPolicy: JsonObject): APIClass {
  return fromJson(APIClassSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "APIClass",
    metadata: { name, namespace: "acme" },
    spec: { restPolicy },
  });
}

export function testServiceClass(spec: JsonObject = {}): ServiceClass {
  return fromJson(ServiceClassSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "ServiceClass",
    metadata: { name: "default", namespace: "acme" },
    spec,
  });
}
