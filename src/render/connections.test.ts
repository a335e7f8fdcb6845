import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { BindingEndpointStatusSchema } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { JsonObject } from "../model/index.js";
import { testBinding } from "../../test/render/support/inputs.js";
import { bindingView } from "./binding-view.js";
import { resolveConnections } from "./connections.js";
import { createEndpointLookup } from "./endpoint-lookup.js";

const address = (uri: string, host: string, port: number) => ({ uri, host, port });
const lookup = createEndpointLookup([
  {
    project: "shop",
    component: "orders",
    endpoints: [create(BindingEndpointStatusSchema, { name: "http", project: address("http://orders.ns.svc:8080/o", "orders.ns.svc", 8080) })],
  },
  {
    project: "billing",
    component: "invoices",
    endpoints: [
      create(BindingEndpointStatusSchema, {
        name: "api",
        project: address("http://invoices.other.svc:80", "invoices.other.svc", 80),
        organization: address("https://dev.internal.example.com/billing/invoices", "dev.internal.example.com", 443),
        public: address("https://dev.apis.example.com/billing/invoices", "dev.apis.example.com", 443),
      }),
      create(BindingEndpointStatusSchema, { name: "public-only", public: address("https://x.example.com", "x.example.com", 443) }),
      create(BindingEndpointStatusSchema, { name: "internal", project: address("http://i.other.svc:81", "i.other.svc", 81) }),
    ],
  },
]);

function resolve(connections: JsonObject) {
  const view = bindingView(testBinding("ServiceBinding", { workloadSpec: { containers: { main: { image: "x" } }, connections } }));
  return resolveConnections(view, lookup);
}

const api = (params: Record<string, string>, env: { name: string; value: string }[]) => ({ type: "api", params, inject: { env } });

describe("resolveConnections", () => {
  it("reaches an endpoint of the same project through its Service, filling the templates", () => {
    const result = resolve({
      orders: api({ componentName: "orders", endpoint: "http" }, [
        { name: "ORDERS_URL", value: "{{ .url }}" },
        { name: "ORDERS", value: "{{.host}}:{{ .port }}" },
      ]),
    });
    expect(result.problems).toEqual([]);
    expect(result.env).toEqual([
      { name: "ORDERS_URL", value: "http://orders.ns.svc:8080/o" },
      { name: "ORDERS", value: "orders.ns.svc:8080" },
    ]);
    expect([...result.gateways]).toEqual([]);
  });

  it("reaches another project through the internal gateway, else through the external one", () => {
    const result = resolve({
      a: api({ projectName: "billing", componentName: "invoices", endpoint: "api" }, [{ name: "A", value: "{{ .url }}" }]),
      b: api({ projectName: "billing", componentName: "invoices", endpoint: "public-only" }, [{ name: "B", value: "{{ .url }}" }]),
    });
    expect(result.env).toEqual([
      { name: "A", value: "https://dev.internal.example.com/billing/invoices" },
      { name: "B", value: "https://x.example.com" },
    ]);
    expect([...result.gateways].sort()).toEqual(["Organization", "Public"]);
  });

  it("reports, never throws, what it cannot resolve, and injects nothing for it", () => {
    const result = resolve({
      absent: api({ componentName: "nope", endpoint: "http" }, [{ name: "X", value: "{{ .url }}" }]),
      hidden: api({ projectName: "billing", componentName: "invoices", endpoint: "internal" }, [{ name: "Y", value: "{{ .url }}" }]),
      typo: api({ componentName: "orders", endpoint: "http" }, [{ name: "Z", value: "{{ .uri }}" }]),
      incomplete: api({ componentName: "orders" }, [{ name: "W", value: "{{ .url }}" }]),
    });
    expect(result.env).toEqual([]);
    expect(result.problems.map((p) => `${p.reason}: ${p.message}`)).toEqual([
      expect.stringMatching(/^ConnectionUnresolved: connection "absent": .*not deployed/),
      expect.stringMatching(/^ConnectionUnresolved: connection "hidden": .*visible only inside project "billing"/),
      expect.stringMatching(/^ConnectionUnresolved: connection "incomplete": params componentName and endpoint are required/),
      expect.stringMatching(/^ConnectionUnresolved: connection "typo": .*\{\{ \.uri \}\}/),
    ]);
  });
});
