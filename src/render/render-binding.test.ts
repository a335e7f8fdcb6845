import { create, fromJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ScheduledTaskClassSchema } from "../../gen/openchoreo/model/v1alpha1/scheduled_task_class_pb.js";
import type { JsonObject } from "../model/index.js";
import { testApiClass, testBinding, testEnvironment, testServiceClass, testSettings } from "../../test/render/support/inputs.js";
import { manifestProblems } from "../../test/render/support/validate-manifest.js";
import { createEndpointLookup } from "./endpoint-lookup.js";
import { renderBinding, type BindingRenderInput } from "./render-binding.js";

const serviceClass = testServiceClass({
  deploymentTemplate: {
    replicas: 2,
    template: {
      metadata: { labels: { team: "platform" } },
      spec: {
        containers: [
          { name: "main", resources: { limits: { cpu: "1" } }, env: [{ name: "FROM_CLASS", value: "1" }, { name: "SHARED", value: "class" }] },
          { name: "proxy", image: "example/proxy:1" },
          { name: "imageless" },
        ],
      },
    },
  },
  serviceTemplate: { type: "ClusterIP" },
});

const restApi = (exposeLevels: string[], extra: JsonObject = {}) => ({
  apis: { http: { type: "REST", className: "default", rest: { backend: { port: 8080, basePath: "/v1" }, exposeLevels }, ...extra } },
  workloadSpec: { containers: { main: { image: "example/api:1" } }, endpoints: { http: { type: "REST", port: 8080 } } },
});

function render(overrides: Partial<BindingRenderInput> & Pick<BindingRenderInput, "binding">) {
  return renderBinding({
    environment: testEnvironment(),
    settings: testSettings(),
    componentClass: serviceClass,
    apiClasses: [testApiClass("default", {})],
    configurationGroups: [],
    endpoints: createEndpointLookup([]),
    ...overrides,
  });
}

const byKind = (manifests: readonly JsonObject[], kind: string) => manifests.filter((m) => m.kind === kind);
const specOf = (manifest: JsonObject | undefined) => manifest?.spec as JsonObject;

describe("renderBinding", () => {
  it("merges the Class's pod template with the workload: platform fields kept, sidecars with an image kept", () => {
    const result = render({
      binding: testBinding("ServiceBinding", {
        workloadSpec: {
          containers: { main: { image: "example/api:1", args: ["--x"], env: [{ key: "SHARED", value: "workload" }] } },
          endpoints: { http: { type: "HTTP", port: 8080 } },
        },
      }),
    });
    expect(result.problems).toEqual([]);
    const deployment = byKind(result.manifests, "Deployment")[0]!;
    expect(specOf(deployment).replicas).toBe(2);
    const template = specOf(deployment).template as JsonObject;
    expect((template.metadata as JsonObject).labels).toMatchObject({ team: "platform", "openchoreo.dev/component": "api" });
    expect((template.spec as JsonObject).containers).toEqual([
      {
        name: "main",
        image: "example/api:1",
        resources: { limits: { cpu: "1" } },
        args: ["--x"],
        env: [
          { name: "FROM_CLASS", value: "1" },
          { name: "SHARED", value: "workload" },
        ],
        ports: [{ containerPort: 8080, protocol: "TCP" }],
      },
      { name: "proxy", image: "example/proxy:1" },
    ]);
    for (const manifest of result.manifests) expect(manifestProblems(manifest)).toEqual([]);
  });

  it("keeps every object on Suspend, at zero replicas, and renders nothing on Undeploy", () => {
    const suspended = render({ binding: testBinding("ServiceBinding", { ...restApi(["Public"]), releaseState: "Suspend" }) });
    expect(specOf(byKind(suspended.manifests, "Deployment")[0]).replicas).toBe(0);
    expect(byKind(suspended.manifests, "HTTPRoute")).toHaveLength(1);
    const undeployed = render({ binding: testBinding("ServiceBinding", { ...restApi(["Public"]), releaseState: "Undeploy" }) });
    expect(undeployed).toEqual({ manifests: [], endpoints: [], endpointStatuses: [], problems: [] });
  });

  it("suspends a scheduled task's CronJob and keeps its name within 52 characters", () => {
    const taskClass = fromJson(ScheduledTaskClassSchema, {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "ScheduledTaskClass",
      metadata: { name: "default", namespace: "acme" },
      spec: { cronJobTemplate: { schedule: "0 * * * *" } },
    });
    const component = "a-very-long-component-name-for-a-nightly-scheduled-task";
    const result = render({
      binding: testBinding("ScheduledTaskBinding", { releaseState: "Suspend" }, component),
      componentClass: taskClass,
    });
    const cronJob = byKind(result.manifests, "CronJob")[0]!;
    expect(specOf(cronJob).suspend).toBe(true);
    expect(String((cronJob.metadata as JsonObject).name).length).toBeLessThanOrEqual(52);
    expect(manifestProblems(cronJob)).toEqual([]);
    const noSchedule = render({ binding: testBinding("ScheduledTaskBinding"), componentClass: create(ScheduledTaskClassSchema, {}) });
    expect(noSchedule.problems.map((p) => p.reason)).toEqual(["ClassTemplateInvalid"]);
  });

  it("reports a missing or mismatched Class and a workload without containers, rendering no workload", () => {
    const missing = render({ binding: testBinding("ServiceBinding"), componentClass: undefined });
    expect(missing.problems.map((p) => p.message)).toEqual(['ServiceClass "default" not found']);
    const mismatched = render({ binding: testBinding("WebApplicationBinding") });
    expect(mismatched.problems.map((p) => p.reason)).toEqual(["ClassNotFound"]);
    const empty = render({ binding: testBinding("ServiceBinding", { workloadSpec: {} }) });
    expect(empty.problems.map((p) => p.reason)).toEqual(["WorkloadInvalid"]);
    expect(byKind(empty.manifests, "Deployment")).toEqual([]);
  });

  it("publishes an API only where its APIClass and the data plane allow, and reports the rest", () => {
    const noClass = render({ binding: testBinding("ServiceBinding", restApi(["Organization", "Public"])), apiClasses: [] });
    expect(byKind(noClass.manifests, "HTTPRoute")).toEqual([]);
    expect(noClass.problems.map((p) => p.reason)).toEqual(["APIClassNotFound", "APIClassNotFound"]);
    expect(noClass.endpointStatuses[0]?.public).toBeUndefined();
    expect(noClass.endpoints[0]?.spec?.networkVisibilities?.public?.enable).toBe(false);
    const noHost = render({
      binding: testBinding("ServiceBinding", restApi(["Organization", "Public"])),
      settings: testSettings({ internalGateway: { virtualHost: undefined } }),
    });
    expect(byKind(noHost.manifests, "HTTPRoute")).toHaveLength(1);
    expect(noHost.problems.map((p) => p.reason)).toEqual(["EndpointNotRoutable"]);
  });

  it("attaches an API that requires TLS to the TLS listener, with the class's header filters", () => {
    const apiClass = testApiClass("default", {
      defaults: {
        security: { requireTLS: true },
        mediation: { requestTransformations: [{ type: "json", action: "addHeader", headerName: "X-Env", headerValue: "dev" }] },
      },
    });
    const result = render({ binding: testBinding("ServiceBinding", restApi(["Public"])), apiClasses: [apiClass] });
    const route = byKind(result.manifests, "HTTPRoute")[0]!;
    expect(specOf(route).parentRefs).toEqual([
      { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "choreo-system", name: "gateway-external", sectionName: "https" },
    ]);
    expect(specOf(route).hostnames).toEqual(["dev.apis.example.com"]);
    expect(specOf(route).rules).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/shop/api/v1" } }],
        filters: [
          { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v1" } } },
          { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "X-Env", value: "dev" }] } },
        ],
        backendRefs: [{ group: "", kind: "Service", name: expect.stringMatching(/^api-/), port: 8080 }],
      },
    ]);
    expect(manifestProblems(route)).toEqual([]);
  });

  it("gives a web application OpenChoreo's host, <component>-<environment>.choreoapps.localhost; a second endpoint one of its own", () => {
    const hosts = (endpoints: JsonObject, component: string) =>
      render({ binding: testBinding("WebApplicationBinding", { workloadSpec: { containers: { main: { image: "x" } }, endpoints } }, component) })
        .endpointStatuses.map((s) => s.public?.host);
    expect(hosts({ web: { type: "HTTP", port: 80 } }, "shop-ui")).toEqual(["shop-ui-dev.choreoapps.localhost"]);
    expect(hosts({ web: { type: "HTTP", port: 80 }, admin: { type: "HTTP", port: 81 } }, "shop-ui")).toEqual([
      "shop-ui-admin-dev.choreoapps.localhost",
      "shop-ui-web-dev.choreoapps.localhost",
    ]);
    // A label over 63 characters would be no valid host: it becomes a bounded name, its hash over every part.
    const [long] = hosts({ web: { type: "HTTP", port: 80 } }, "a".repeat(60));
    expect(long).toMatch(/^a+-[0-9a-f]{8}\.choreoapps\.localhost$/);
    expect(long!.split(".")[0]!.length).toBeLessThanOrEqual(63);
  });

  it("routes gRPC with a GRPCRoute on a host of its own, and keeps TCP inside the project", () => {
    const result = render({
      binding: testBinding("ServiceBinding", {
        apis: {
          rpc: { type: "gRPC", rest: { backend: { port: 9000 }, exposeLevels: ["Organization"] } },
          raw: { type: "TCP", rest: { backend: { port: 5432 }, exposeLevels: ["Public"] } },
        },
        workloadSpec: { containers: { main: { image: "x" } } },
      }),
    });
    const route = byKind(result.manifests, "GRPCRoute")[0]!;
    expect(specOf(route).hostnames).toEqual(["shop-api-rpc-dev.internal.example.com"]);
    expect(manifestProblems(route)).toEqual([]);
    expect(result.problems.map((p) => p.reason)).toEqual(["EndpointNotRoutable"]);
    expect(result.endpointStatuses.find((s) => s.name === "raw")?.public).toBeUndefined();
    const service = byKind(result.manifests, "Service")[0]!;
    expect(specOf(service).ports).toEqual([
      { name: "raw", port: 5432, targetPort: 5432, protocol: "TCP" },
      { name: "rpc", port: 9000, targetPort: 9000, protocol: "TCP", appProtocol: "kubernetes.io/h2c" },
    ]);
  });

  it("renders the component's traffic as a NetworkPolicy on planes without Cilium", () => {
    const result = render({ binding: testBinding("ServiceBinding", restApi(["Public"])), settings: testSettings({ networkPolicy: "kubernetes" }) });
    const [policy] = byKind(result.manifests, "NetworkPolicy");
    expect(byKind(result.manifests, "CiliumNetworkPolicy")).toEqual([]);
    expect(specOf(policy)).toEqual({
      podSelector: { matchLabels: expect.objectContaining({ "openchoreo.dev/component": "api" }) },
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "choreo-system" } },
              podSelector: {
                matchLabels: {
                  "gateway.envoyproxy.io/owning-gateway-name": "gateway-external",
                  "gateway.envoyproxy.io/owning-gateway-namespace": "choreo-system",
                },
              },
            },
          ],
          ports: [{ protocol: "TCP", port: 8080 }],
        },
      ],
      policyTypes: ["Ingress"],
    });
    expect(manifestProblems(policy!)).toEqual([]);
  });
});
