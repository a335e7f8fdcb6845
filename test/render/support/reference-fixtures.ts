import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { allFiles } from "../../../gen/index.js";
import { APIClassSchema, type APIClass } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { DataPlaneSchema, type DataPlane } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { EnvironmentSchema, type Environment } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ServiceClassSchema, type ServiceClass } from "../../../gen/openchoreo/model/v1alpha1/service_class_pb.js";
import {
  WebApplicationClassSchema,
  type WebApplicationClass,
} from "../../../gen/openchoreo/model/v1alpha1/web_application_class_pb.js";
import { createCodec, createKindRegistry, isJsonObject, type JsonObject } from "../../../src/model/index.js";
import { ConfigurationGroupSchema, type ConfigurationGroup } from "../../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import {
  createEndpointLookup,
  dataPlaneSettings,
  renderBinding,
  type BindingRender,
  type ComponentBinding,
  type ComponentClass,
  type DataPlaneSettings,
  type EndpointLookup,
} from "../../../src/render/index.js";
import { referenceDir } from "../../support/shared-reference.js";

export const codec = createCodec(createKindRegistry(allFiles));

/** The sample components used as render inputs (each folder is one fresh organization). */
export const samples = {
  greeter: "samples/from-image/go-greeter-service/greeter-service.yaml",
  reporter: "samples/from-image/issue-reporter-schedule-task/github-issue-reporter.yaml",
  reactStarter: "samples/from-image/react-starter-web-app/react-starter.yaml",
} as const;

/** The documents of a reference file (samples/ or defaults-rendered/). */
export function referenceObjects(path: string): JsonObject[] {
  return codec.parseManifests(readFileSync(join(referenceDir, path), "utf8"));
}

/** The document of a kind (and name) in a list; throws when missing, since fixtures must exist. */
export function pick(docs: readonly JsonObject[], kind: string, name?: string): JsonObject {
  const found = docs.find((d) => d.kind === kind && (name === undefined || (isJsonObject(d.metadata) && d.metadata.name === name)));
  if (!found) throw new Error(`no ${kind} ${name ?? ""} in the fixture`);
  return structuredClone(found);
}

export interface PlatformDefaults {
  readonly environments: readonly Environment[];
  readonly serviceClass: ServiceClass;
  readonly webApplicationClass: WebApplicationClass;
  readonly apiClasses: readonly APIClass[];
}

let defaults: PlatformDefaults | undefined;

/** What an install creates (defaults-rendered): environments, component classes, APIClasses. Read once. */
export function platformDefaults(): PlatformDefaults {
  defaults ??= readPlatformDefaults();
  return defaults;
}

function readPlatformDefaults(): PlatformDefaults {
  const apiClassFiles = [
    "api-class.yaml",
    "api-class-with-circuit-breaker.yaml",
    "api-class-with-cors.yaml",
    "api-class-with-jwt-auth.yaml",
    "api-class-with-rate-limit.yaml",
  ];
  return {
    environments: referenceObjects("defaults-rendered/environments.yaml").map((e) => codec.decodeAs(EnvironmentSchema, e)),
    serviceClass: codec.decodeAs(ServiceClassSchema, referenceObjects("defaults-rendered/service-class.yaml")[0]),
    webApplicationClass: codec.decodeAs(WebApplicationClassSchema, referenceObjects("defaults-rendered/webapplication-class.yaml")[0]),
    apiClasses: apiClassFiles.map((f) => codec.decodeAs(APIClassSchema, referenceObjects(`defaults-rendered/${f}`)[0])),
  };
}

/** No sample defines a DataPlane: one named `default` with the v0.3 quick start's virtual hosts. */
export function defaultDataPlane(): DataPlane {
  return create(DataPlaneSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "DataPlane",
    metadata: { name: "default", namespace: "default" },
    spec: { gateway: { publicVirtualHost: "choreoapis.localhost", organizationVirtualHost: "choreoapis.internal" } },
  });
}

/**
 * The Binding the component controller makes of a Workload and its typed instance (Service,
 * WebApplication, ScheduledTask) for one environment; `edit` changes its spec (JSON) first.
 */
export function bindingOf(
  workload: JsonObject,
  instance: JsonObject,
  environment: string,
  edit: (spec: JsonObject) => void = () => {},
): ComponentBinding {
  const workloadSpec = workload.spec as JsonObject;
  const instanceSpec = instance.spec as JsonObject;
  const owner = workloadSpec.owner as JsonObject;
  const name = `${String(owner.componentName)}-${environment}`;
  const spec: JsonObject = {
    owner,
    environment,
    className: instanceSpec.className ?? "default",
    releaseState: "Active",
    workloadSpec: {
      containers: workloadSpec.containers ?? {},
      endpoints: workloadSpec.endpoints ?? {},
      connections: workloadSpec.connections ?? {},
    },
  };
  if (instance.kind === "Service") spec.apis = instanceSpec.apis ?? {};
  edit(spec);
  const json = {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: `${String(instance.kind)}Binding`,
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec,
  };
  return codec.decode(json).message as ComponentBinding;
}

/**
 * The `github` group the greeter sample's workload reads: the repository as a plain value, the
 * token as a vault key, per environment group and for production.
 */
export const githubGroup: ConfigurationGroup = codec.decodeAs(ConfigurationGroupSchema, codec.parseManifests(`
apiVersion: openchoreo.dev/v1alpha1
kind: ConfigurationGroup
metadata: { name: github, namespace: default }
spec:
  environmentGroups:
    - name: non-production
      environments: [development, staging]
  configurations:
    - key: repository
      values:
        - environmentGroupRef: non-production
          value: https://github.com/openchoreo/sample-workloads
        - environment: production
          value: https://github.com/openchoreo/openchoreo
    - key: pat
      values:
        - environmentGroupRef: non-production
          vaultKey: secret/data/github/dev-pat
        - environment: production
          vaultKey: secret/data/github/prod-pat
`)[0]);

/**
 * A binding rendered in the development environment of the defaults, with the `github` group and
 * the default APIClasses: the way the golden and flow suites render.
 */
export function renderInDevelopment(input: {
  binding: ComponentBinding;
  componentClass: ComponentClass;
  endpoints?: EndpointLookup;
  settings?: DataPlaneSettings;
}): BindingRender {
  const { environments, apiClasses } = platformDefaults();
  return renderBinding({
    binding: input.binding,
    environment: environments.find((e) => e.metadata?.name === "development")!,
    settings: input.settings ?? dataPlaneSettings(defaultDataPlane()),
    componentClass: input.componentClass,
    apiClasses,
    configurationGroups: [githubGroup],
    endpoints: input.endpoints ?? createEndpointLookup([]),
  });
}
