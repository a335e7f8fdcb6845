import { fromJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { APIBindingSchema } from "../../gen/openchoreo/model/v1alpha1/api_binding_pb.js";
import { APISchema } from "../../gen/openchoreo/model/v1alpha1/api_pb.js";
import type { JsonObject } from "../model/index.js";
import { evaluateFlow, type FlowPeer } from "../../test/render/flow-evaluator.js";
import { testApiClass, testBinding, testEnvironment, testServiceClass, testSettings } from "../../test/render/support/inputs.js";
import { manifestProblems } from "../../test/render/support/validate-manifest.js";
import { cellNamespace } from "./names.js";
import { createEndpointLookup } from "./endpoint-lookup.js";
import { renderApiBinding, type ApiBindingRenderInput } from "./render-api-binding.js";
import { renderBinding } from "./render-binding.js";

// Organization acme, project shop, environment dev (as test/render/support/inputs.ts): an API
// "orders" in front of component "api", bound as "orders-dev".

function testApi(spec: JsonObject = {}) {
  return fromJson(APISchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "API",
    metadata: { name: "orders", namespace: "acme" },
    spec: {
      className: "default",
      environmentName: "dev",
      owner: { projectName: "shop", componentName: "api" },
      type: "REST",
      rest: { backend: { port: 8080, basePath: "/v1" }, exposeLevels: ["Organization", "Public"] },
      ...spec,
    },
  });
}

function testApiBinding(spec: JsonObject = {}) {
  return fromJson(APIBindingSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "APIBinding",
    metadata: { name: "orders-dev", namespace: "acme" },
    spec: { apiName: "orders", apiClassName: "default", environmentName: "dev", releaseState: "Active", ...spec },
  });
}

const jwtClass = testApiClass("default", {
  defaults: {
    authentication: { type: "jwt", jwt: { issuer: "https://idp.example.com", audience: ["orders"] } },
    rateLimit: { requests: 100, window: "1m" },
    mediation: { requestTransformations: [{ action: "addHeader", headerName: "x-api", headerValue: "orders" }] },
  },
  public: { security: { requireTLS: true } },
});

function render(overrides: Partial<ApiBindingRenderInput> = {}) {
  return renderApiBinding({
    apiBinding: testApiBinding(),
    api: testApi(),
    apiClass: jwtClass,
    environment: testEnvironment("https://idp.example.com/jwks"),
    settings: testSettings(),
    backendComponent: "api",
    ...overrides,
  });
}

const namespace = cellNamespace("acme", "shop", "dev");
const byKind = (manifests: readonly JsonObject[], kind: string) => manifests.filter((m) => m.kind === kind);
const specOf = (manifest: JsonObject | undefined) => manifest?.spec as JsonObject;
const nameOf = (manifest: JsonObject) => String((manifest.metadata as JsonObject).name);
const gatewayOf = (route: JsonObject) => ((specOf(route).parentRefs as JsonObject[])[0] as JsonObject).name;
const ruleOf = (route: JsonObject) => (specOf(route).rules as JsonObject[])[0] as JsonObject;

describe("renderApiBinding", () => {
  it("publishes the API on both gateways in front of the backend's Service, with the environment's hosts", () => {
    const result = render();
    expect(result.problems).toEqual([]);
    for (const manifest of result.manifests) {
      expect(manifestProblems(manifest), `${String(manifest.kind)} ${nameOf(manifest)}`).toEqual([]);
      expect((manifest.metadata as JsonObject).namespace).toBe(namespace);
    }
    const routes = byKind(result.manifests, "HTTPRoute");
    expect(routes.map(gatewayOf).sort()).toEqual(["gateway-external", "gateway-internal"]);
    const external = routes.find((r) => gatewayOf(r) === "gateway-external")!;
    expect(specOf(external).hostnames).toEqual(["dev.apis.example.com"]);
    expect(ruleOf(external).matches).toEqual([{ path: { type: "PathPrefix", value: "/shop/api/v1" } }]);
    // The backend is the component's Service (the one its Binding renders), on the API's port.
    const service = byKind(renderBinding({
      binding: testBinding("ServiceBinding", { workloadSpec: { containers: { main: { image: "x:1" } }, endpoints: { http: { type: "REST", port: 8080 } } } }),
      environment: testEnvironment(),
      settings: testSettings(),
      componentClass: testServiceClass(),
      apiClasses: [],
      configurationGroups: [],
      endpoints: createEndpointLookup([]),
    }).manifests, "Service")[0]!;
    expect(ruleOf(external).backendRefs).toEqual([{ group: "", kind: "Service", name: nameOf(service), port: 8080 }]);

    expect(result.status?.public?.uri).toBe("https://dev.apis.example.com/shop/api/v1");
    expect(result.status?.organization?.uri).toBe("https://dev.internal.example.com/shop/api/v1");
    expect(result.status?.project?.uri).toBe(`http://${nameOf(service)}.${namespace}.svc.cluster.local:8080/v1`);
    expect(result.address).toBe("https://dev.apis.example.com/shop/api/v1");
  });

  it("applies the APIClass exactly as it applies to a Service API's endpoint", () => {
    // The same API declared by a ServiceBinding: its gateway objects, bar their names, must match.
    const binding = renderBinding({
      binding: testBinding("ServiceBinding", {
        apis: { orders: { type: "REST", className: "default", rest: { backend: { port: 8080, basePath: "/v1" }, exposeLevels: ["Organization", "Public"] } } },
      }),
      environment: testEnvironment("https://idp.example.com/jwks"),
      settings: testSettings(),
      componentClass: testServiceClass(),
      apiClasses: [jwtClass],
      configurationGroups: [],
      endpoints: createEndpointLookup([]),
    });
    const gatewayKinds = ["HTTPRoute", "SecurityPolicy", "BackendTrafficPolicy"];
    const anonymous = (manifests: readonly JsonObject[]) =>
      manifests
        .filter((m) => gatewayKinds.includes(String(m.kind)))
        .map((m) => JSON.parse(JSON.stringify(m).replaceAll(nameOf(m), "NAME")) as JsonObject);
    const api = render();
    expect(anonymous(api.manifests)).toEqual(anonymous(binding.manifests));
    expect(anonymous(api.manifests)).toHaveLength(6);
    expect(api.problems).toEqual(binding.problems);
    // requireTLS on the public override: only the external route attaches to the TLS listener.
    const external = byKind(api.manifests, "HTTPRoute").find((r) => gatewayOf(r) === "gateway-external")!;
    expect((specOf(external).parentRefs as JsonObject[])[0]).toMatchObject({ sectionName: "https" });
  });

  it("names its objects apart from the backend Binding's, even when the binding shares the API's name", () => {
    const api = render({ apiBinding: testApiBinding(), api: testApi() });
    const binding = renderBinding({
      binding: testBinding("ServiceBinding", {
        apis: { "orders-dev": { type: "REST", rest: { backend: { port: 8080 }, exposeLevels: ["Organization", "Public"] } } },
      }),
      environment: testEnvironment("https://idp.example.com/jwks"),
      settings: testSettings(),
      componentClass: testServiceClass(),
      apiClasses: [jwtClass],
      configurationGroups: [],
      endpoints: createEndpointLookup([]),
    });
    const keys = (manifests: readonly JsonObject[]) => manifests.map((m) => `${String(m.kind)}/${nameOf(m)}`);
    const ours = keys(api.manifests);
    expect(ours).toHaveLength(new Set(ours).size);
    for (const key of keys(binding.manifests)) expect(ours).not.toContain(key);
  });

  it("lets only the gateways it is published on reach the backend, on the API's port", () => {
    const manifests = render({ api: testApi({ rest: { backend: { port: 8080 }, exposeLevels: ["Public"] } }) }).manifests;
    const backend: FlowPeer = {
      kind: "pod",
      namespace,
      labels: { "openchoreo.dev/organization": "acme", "openchoreo.dev/project": "shop", "openchoreo.dev/environment": "dev", "openchoreo.dev/component": "api" },
    };
    const proxy = (gateway: string): FlowPeer => ({
      kind: "pod",
      namespace: "choreo-system",
      labels: { "gateway.envoyproxy.io/owning-gateway-name": gateway, "gateway.envoyproxy.io/owning-gateway-namespace": "choreo-system" },
    });
    const allowed = (from: FlowPeer, port: number) => evaluateFlow({ from, to: backend, port, protocol: "TCP" }, manifests).allowed;
    expect(allowed(proxy("gateway-external"), 8080)).toBe(true);
    expect(allowed(proxy("gateway-external"), 9090)).toBe(false);
    expect(allowed(proxy("gateway-internal"), 8080)).toBe(false);
  });

  it("renders the network policy for planes without Cilium too", () => {
    const result = render({ settings: testSettings({ networkPolicy: "kubernetes" }) });
    expect(byKind(result.manifests, "CiliumNetworkPolicy")).toEqual([]);
    const [policy] = byKind(result.manifests, "NetworkPolicy");
    expect(manifestProblems(policy!)).toEqual([]);
  });

  it("gives a Project-level API no route and no policy: only its address in the cell", () => {
    const result = render({ api: testApi({ rest: { backend: { port: 8080, basePath: "/v1" }, exposeLevels: ["Project"] } }) });
    expect(result).toMatchObject({ manifests: [], problems: [] });
    expect(result.status?.public).toBeUndefined();
    expect(result.status?.organization).toBeUndefined();
    expect(result.address).toBe(result.status?.project?.uri);
    expect(result.address).toMatch(/^http:\/\/api-[0-9a-f]{8}\.dp-acme-shop-dev-[0-9a-f]{8}\.svc\.cluster\.local:8080\/v1$/);
  });

  it("keeps a suspended API's objects, under the same names, but answers 503 instead of forwarding", () => {
    const active = render();
    const suspended = render({ apiBinding: testApiBinding({ releaseState: "Suspend" }) });
    for (const manifest of suspended.manifests) expect(manifestProblems(manifest), nameOf(manifest)).toEqual([]);
    const [filter] = byKind(suspended.manifests, "HTTPRouteFilter");
    expect(specOf(filter).directResponse).toMatchObject({ statusCode: 503 });
    const routes = byKind(suspended.manifests, "HTTPRoute");
    expect(routes).toHaveLength(2);
    for (const route of routes) {
      expect(ruleOf(route).backendRefs).toBeUndefined();
      expect(ruleOf(route).filters).toEqual([
        { type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: nameOf(filter!) } },
      ]);
    }
    // Everything else stays as it was: resuming changes the routes and drops the filter, nothing more.
    const others = (manifests: readonly JsonObject[]) => manifests.filter((m) => m.kind !== "HTTPRoute" && m.kind !== "HTTPRouteFilter");
    expect(others(suspended.manifests)).toEqual(others(active.manifests));
    expect(byKind(suspended.manifests, "HTTPRoute").map(nameOf)).toEqual(byKind(active.manifests, "HTTPRoute").map(nameOf));
    expect(suspended.address).toBe(active.address);
  });

  it("renders nothing for Undeploy, whatever else is missing", () => {
    expect(render({ apiBinding: testApiBinding({ releaseState: "Undeploy" }), apiClass: undefined, backendComponent: undefined })).toEqual({
      manifests: [],
      status: undefined,
      address: undefined,
      problems: [],
    });
  });

  it("reports an unknown APIClass and publishes on no gateway, leaving the API in its cell", () => {
    for (const apiClass of [undefined, testApiClass("other", {})]) {
      const result = render({ apiClass });
      expect(result.manifests).toEqual([]);
      expect(result.problems.map((p) => p.reason)).toEqual(["APIClassNotFound", "APIClassNotFound"]);
      expect(result.problems[0]!.message).toContain('APIClass "default" not found');
      expect(result.address).toBe(result.status?.project?.uri);
    }
  });

  it("reports what it cannot render instead of throwing", () => {
    const reasons = (overrides: Partial<ApiBindingRenderInput>) => {
      const result = render(overrides);
      expect(result.manifests).toEqual([]);
      expect(result.address).toBeUndefined();
      return result.problems.map((p) => `${p.severity} ${p.reason}`);
    };
    expect(reasons({ api: testApi({ rest: { backend: { basePath: "/v1" }, exposeLevels: ["Public"] } }) })).toEqual(["Error EndpointInvalid"]);
    expect(reasons({ api: testApi({ rest: { exposeLevels: ["Public"] } }) })).toEqual(["Error EndpointInvalid"]);
    expect(reasons({ api: testApi({ type: "gRPC" }) })).toEqual(["Error EndpointInvalid"]);
    expect(reasons({ api: testApi({ environmentName: "prod" }) })).toEqual(["Error EndpointInvalid"]);
    expect(reasons({ backendComponent: undefined })).toEqual(["Error BackendNotFound"]);
  });

  it("reports a gateway the DataPlane has no virtual host for, and publishes on the other", () => {
    const result = render({ settings: testSettings({ internalGateway: { virtualHost: undefined } }) });
    expect(result.problems.map((p) => p.reason)).toEqual(["EndpointNotRoutable"]);
    expect(byKind(result.manifests, "HTTPRoute").map(gatewayOf)).toEqual(["gateway-external"]);
    expect(result.status?.organization).toBeUndefined();
  });
});
