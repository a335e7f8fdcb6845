import { ScheduledTaskClassSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_class_pb.js";
import type { JsonObject } from "../../../src/model/index.js";
import {
  createEndpointLookup,
  dataPlaneSettings,
  renderCell,
  type BindingRender,
  type CellRender,
  type ComponentBinding,
  type ComponentClass,
  type DataPlaneSettings,
  type DataPlaneSettingsOverrides,
  type EndpointLookup,
} from "../../../src/render/index.js";
import {
  bindingOf,
  codec,
  defaultDataPlane,
  pick,
  platformDefaults,
  referenceObjects,
  renderInDevelopment,
  samples,
} from "./reference-fixtures.js";

/** A second project, `billing`: an organization API that calls the greeter, and a project-only ledger. */
const billing = codec.parseManifests(`
apiVersion: openchoreo.dev/v1alpha1
kind: Workload
metadata: { name: invoices, namespace: default }
spec:
  owner: { projectName: billing, componentName: invoices }
  containers:
    main: { image: "ghcr.io/example/invoices:1.0" }
  endpoints:
    invoices-api: { type: REST, port: 8080 }
  connections:
    greeter:
      type: api
      params: { projectName: default, componentName: greeter-service, endpoint: greeter-api }
      inject:
        env:
          - { name: GREETER_URL, value: "{{ .url }}" }
    ledger:
      type: api
      params: { componentName: ledger, endpoint: ledger-api }
      inject:
        env:
          - { name: LEDGER_HOST, value: "{{ .host }}" }
          - { name: LEDGER_PORT, value: "{{ .port }}" }
---
apiVersion: openchoreo.dev/v1alpha1
kind: Service
metadata: { name: invoices, namespace: default }
spec:
  owner: { projectName: billing, componentName: invoices }
  workloadName: invoices
  apis:
    invoices-api:
      type: REST
      rest: { backend: { port: 8080, basePath: /invoices }, exposeLevels: [Organization] }
---
apiVersion: openchoreo.dev/v1alpha1
kind: Workload
metadata: { name: ledger, namespace: default }
spec:
  owner: { projectName: billing, componentName: ledger }
  containers:
    main: { image: "ghcr.io/example/ledger:1.0" }
  endpoints:
    ledger-api: { type: REST, port: 7070 }
---
apiVersion: openchoreo.dev/v1alpha1
kind: Service
metadata: { name: ledger, namespace: default }
spec:
  owner: { projectName: billing, componentName: ledger }
  workloadName: ledger
  apis:
    ledger-api:
      type: REST
      rest: { backend: { port: 7070 }, exposeLevels: [Project] }
`);

export interface TwoCells {
  readonly settings: DataPlaneSettings;
  readonly cells: Record<"default" | "billing", CellRender>;
  /** By component name. */
  readonly components: Record<string, { readonly binding: ComponentBinding; readonly render: BindingRender }>;
  /** The environment's endpoints, as the second pass saw them. */
  readonly lookup: EndpointLookup;
}

/**
 * Two cells of the development environment, rendered the way controllers converge: once with no
 * endpoints known, then again with the endpoints every binding reported. Project `default` holds
 * the greeter (Organization and Public API), the react starter (public web app, calling the greeter)
 * and the issue reporter (scheduled task); project `billing` holds invoices (Organization API,
 * calling the greeter across cells and the ledger inside its own) and ledger (Project API).
 */
export function twoCells(overrides: DataPlaneSettingsOverrides = {}): TwoCells {
  const defaults = platformDefaults();
  const settings = dataPlaneSettings(defaultDataPlane(), overrides);
  const greeter = referenceObjects(samples.greeter);
  const reporter = referenceObjects(samples.reporter);
  const react = referenceObjects(samples.reactStarter);
  const reporterClass = codec.decodeAs(ScheduledTaskClassSchema, pick(reporter, "ScheduledTaskClass"));

  const callsGreeter = (spec: JsonObject) => {
    (spec.workloadSpec as JsonObject).connections = {
      greeter: {
        type: "api",
        params: { componentName: "greeter-service", endpoint: "greeter-api" },
        inject: { env: [{ name: "GREETER_URL", value: "{{ .url }}" }] },
      },
    };
  };
  const inputs: [string, ComponentBinding, ComponentClass][] = [
    ["greeter-service", bindingOf(pick(greeter, "Workload"), pick(greeter, "Service"), "development"), defaults.serviceClass],
    ["react-starter", bindingOf(pick(react, "Workload"), pick(react, "WebApplication"), "development", callsGreeter), defaults.webApplicationClass],
    ["github-issue-reporter", bindingOf(pick(reporter, "Workload"), pick(reporter, "ScheduledTask"), "development"), reporterClass],
    ["invoices", bindingOf(pick(billing, "Workload", "invoices"), pick(billing, "Service", "invoices"), "development"), defaults.serviceClass],
    ["ledger", bindingOf(pick(billing, "Workload", "ledger"), pick(billing, "Service", "ledger"), "development"), defaults.serviceClass],
  ];
  const renderAll = (endpoints: EndpointLookup) =>
    inputs.map(([name, binding, componentClass]) => ({
      name,
      binding,
      render: renderInDevelopment({ binding, componentClass, endpoints, settings }),
    }));
  const first = renderAll(createEndpointLookup([]));
  const lookup = createEndpointLookup(
    first.map(({ binding, render }) => ({
      project: binding.spec?.owner?.projectName ?? "",
      component: binding.spec?.owner?.componentName ?? "",
      endpoints: render.endpointStatuses,
    })),
  );
  const components = Object.fromEntries(renderAll(lookup).map(({ name, binding, render }) => [name, { binding, render }]));
  const cell = (project: string) => renderCell({ organization: "default", project, environment: "development", settings });
  return { settings, cells: { default: cell("default"), billing: cell("billing") }, components, lookup };
}
