import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toJson } from "@bufbuild/protobuf";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { BindingEndpointStatusSchema } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { ScheduledTaskClassSchema } from "../../gen/openchoreo/model/v1alpha1/scheduled_task_class_pb.js";
import { formatProblem, isJsonObject, labels, validateObject, type JsonObject } from "../../src/model/index.js";
import { StringFormat } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import {
  cellNamespace,
  dataPlaneSettings,
  renderCell,
  type ApiBindingRender,
  type BindingRender,
  type CellRender,
  type ComponentBinding,
  type ComponentClass,
  type EndpointLookup,
} from "../../src/render/index.js";
import { referencePresent, referenceSkipReason } from "../support/shared-reference.js";
import {
  bindingOf,
  codec,
  defaultDataPlane,
  pick,
  platformDefaults,
  referenceObjects,
  renderInDevelopment,
  samples,
} from "./support/reference-fixtures.js";
import { greeterApi, greeterApiBinding, renderApiInDevelopment } from "./support/api-fixtures.js";
import { twoCells } from "./support/two-cells.js";
import { manifestProblems } from "./support/validate-manifest.js";

// Golden files: the exact output of each case. A change in rendering shows up as a diff here;
// review it, then rewrite the files with UPDATE_GOLDEN=1.
const goldenDir = new URL("./golden/", import.meta.url).pathname;
const updateGolden = process.env.UPDATE_GOLDEN === "1";

if (!referencePresent) console.warn(referenceSkipReason);

type AnyRender = Partial<BindingRender> & Pick<CellRender, "manifests" | "problems"> & { address?: string | undefined };

/** An APIBinding's render in the golden files' shape: its one status, and the address for API.status. */
function apiRender(render: ApiBindingRender): AnyRender {
  return { ...render, endpointStatuses: render.status ? [render.status] : [] };
}

function goldenText(render: AnyRender): string {
  const doc = {
    problems: render.problems,
    ...(render.address !== undefined ? { address: render.address } : {}),
    endpointStatuses: (render.endpointStatuses ?? []).map((s) => toJson(BindingEndpointStatusSchema, s)),
    endpoints: (render.endpoints ?? []).map((e) => codec.encode(e)),
    manifests: render.manifests,
  };
  return `# Rendered by test/render/golden.test.ts: rewrite with UPDATE_GOLDEN=1 after reviewing a change.\n${stringify(doc, { lineWidth: 0 })}`;
}

function expectGolden(name: string, render: AnyRender): void {
  const file = join(goldenDir, `${name}.yaml`);
  const text = goldenText(render);
  if (updateGolden) {
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) throw new Error(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/render`);
  expect(text, `${name}.yaml differs from the render`).toBe(readFileSync(file, "utf8"));
}

/** Every object validates, carries the platform's labels and a valid name, and sits in its namespace. */
function expectWellFormed(render: AnyRender, namespace: string, component: boolean): void {
  for (const manifest of render.manifests) {
    const meta = manifest.metadata as JsonObject;
    const where = `${String(manifest.kind)} ${String(meta.name)}`;
    expect(manifestProblems(manifest), where).toEqual([]);
    expect(formatProblem(StringFormat.DNS1123_LABEL, String(meta.name)), where).toBe("");
    if (manifest.kind === "Namespace") expect(meta.name).toBe(namespace);
    else expect(meta.namespace, where).toBe(namespace);
    const objectLabels = meta.labels as Record<string, string>;
    const required: string[] = [labels.organization, labels.project, labels.environment, labels.managedBy];
    if (component) required.push(labels.component);
    for (const key of required) expect(objectLabels[key], `${where} ${key}`).toBeTruthy();
  }
  for (const endpoint of render.endpoints ?? []) {
    // Endpoint resources go to our own store: they must pass its rules.
    const json = codec.encode(endpoint);
    expect(() => validateObject(codec.decode(json).kind, json)).not.toThrow();
  }
}

describe.skipIf(!referencePresent)("rendering golden files", () => {
  const defaults = referencePresent ? platformDefaults() : undefined!;
  const greeter = referencePresent ? referenceObjects(samples.greeter) : [];

  const render = (binding: ComponentBinding, componentClass: ComponentClass, endpoints?: EndpointLookup) =>
    renderInDevelopment({ binding, componentClass, endpoints });
  const greeterBinding = (edit: (api: JsonObject) => void) =>
    bindingOf(pick(greeter, "Workload"), pick(greeter, "Service"), "development", (spec) => {
      const api = (spec.apis as JsonObject)["greeter-api"];
      if (isJsonObject(api)) edit(api);
    });
  const namespace = cellNamespace("default", "default", "development");

  for (const visibility of ["Project", "Organization", "Public"]) {
    it(`a Service API of ${visibility} visibility`, () => {
      const result = render(
        greeterBinding((api) => ((api.rest as JsonObject).exposeLevels = [visibility])),
        defaults.serviceClass,
      );
      expectWellFormed(result, namespace, true);
      expectGolden(`service-${visibility.toLowerCase()}`, result);
    });
  }

  it("each APIClass of defaults-rendered, on both gateways", () => {
    for (const apiClass of defaults.apiClasses) {
      const name = apiClass.metadata!.name;
      const result = render(greeterBinding((api) => (api.className = name)), defaults.serviceClass);
      expectWellFormed(result, namespace, true);
      expectGolden(`apiclass-${name}`, result);
    }
  });

  it("configuration from a ConfigurationGroup, with a vault key", () => {
    const result = render(greeterBinding(() => {}), defaults.serviceClass);
    expectWellFormed(result, namespace, true);
    expectGolden("configuration-vault", result);
    const text = JSON.stringify(result.manifests);
    expect(text).toContain("secret/data/github/dev-pat");
    expect(text).not.toContain("prod-pat");
    expect(result.manifests.map((m) => m.kind)).not.toContain("Secret");
  });

  it("a scheduled task", () => {
    const reporter = referenceObjects(samples.reporter);
    const taskClass = codec.decodeAs(ScheduledTaskClassSchema, pick(reporter, "ScheduledTaskClass"));
    const result = render(bindingOf(pick(reporter, "Workload"), pick(reporter, "ScheduledTask"), "development"), taskClass);
    expectWellFormed(result, namespace, true);
    expectGolden("scheduled-task", result);
  });

  it("a web application", () => {
    const react = referenceObjects(samples.reactStarter);
    const result = render(bindingOf(pick(react, "Workload"), pick(react, "WebApplication"), "development"), defaults.webApplicationClass);
    expectWellFormed(result, namespace, true);
    expectGolden("web-application", result);
  });

  it("a component with connections and injected env", () => {
    // The invoices API of the two-cell project (one connection across cells, one inside its own),
    // plus a connection to a component that is not deployed.
    const cells = twoCells();
    const json = codec.encode(cells.components.invoices!.binding);
    const connections = ((json.spec as JsonObject).workloadSpec as JsonObject).connections as JsonObject;
    connections.audit = {
      type: "api",
      params: { projectName: "compliance", componentName: "audit", endpoint: "audit-api" },
      inject: { env: [{ name: "AUDIT_URL", value: "{{ .url }}" }] },
    };
    const result = render(codec.decode(json).message as ComponentBinding, defaults.serviceClass, cells.lookup);
    expect(result.problems.map((p) => p.reason)).toEqual(["ConnectionUnresolved"]);
    expectWellFormed(result, cellNamespace("default", "billing", "development"), true);
    expectGolden("connections", result);
  });

  for (const networkPolicy of ["cilium", "kubernetes"] as const) {
    it(`a cell, with ${networkPolicy} network policy`, () => {
      const result = renderCell({
        organization: "default",
        project: "default",
        environment: "development",
        settings: dataPlaneSettings(defaultDataPlane(), {
          networkPolicy,
          externalEgress: { cidrs: ["203.0.113.0/24"], fqdns: ["api.github.com"] },
        }),
      });
      expectWellFormed(result, namespace, false);
      expectGolden(`cell-${networkPolicy}`, result);
    });
  }
  describe("an API with an APIBinding", () => {
    for (const visibility of ["Project", "Organization", "Public"]) {
      it(`of ${visibility} visibility`, () => {
        const result = renderApiInDevelopment(greeterApi([visibility]), greeterApiBinding("default"));
        expect(result.problems).toEqual([]);
        expectWellFormed(result, namespace, true);
        expectGolden(`api-binding-${visibility.toLowerCase()}`, apiRender(result));
      });
    }

    it("with each APIClass of defaults-rendered, on both gateways", () => {
      for (const apiClass of defaults.apiClasses) {
        const name = apiClass.metadata!.name;
        const result = renderApiInDevelopment(greeterApi(["Organization", "Public"]), greeterApiBinding(name));
        expect(result.problems.filter((p) => p.severity === "Error"), name).toEqual([]);
        expectWellFormed(result, namespace, true);
        expectGolden(`api-binding-apiclass-${name}`, apiRender(result));
      }
    });

    it("suspended: the routes answer 503 from a direct response instead of forwarding", () => {
      const result = renderApiInDevelopment(greeterApi(["Organization", "Public"]), greeterApiBinding("default-with-jwt-auth", "Suspend"));
      expectWellFormed(result, namespace, true);
      expectGolden("api-binding-suspend", apiRender(result));
      expect(result.manifests.map((m) => m.kind)).toContain("HTTPRouteFilter");
      for (const route of result.manifests.filter((m) => m.kind === "HTTPRoute")) expect(JSON.stringify(route)).not.toContain("backendRefs");
    });

    it("undeployed: nothing", () => {
      const result = renderApiInDevelopment(greeterApi(["Organization", "Public"]), greeterApiBinding("default", "Undeploy"));
      expect(result).toEqual({ manifests: [], status: undefined, address: undefined, problems: [] });
    });
  });
});
