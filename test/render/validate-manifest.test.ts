import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/model/index.js";
import { manifestProblems } from "./support/validate-manifest.js";
import { schemasPresent } from "../support/shared-schemas.js";

// The golden and flow suites trust `manifestProblems`: it must refuse what the real schemas refuse.


describe("manifestProblems", () => {
  it("refuses a Kubernetes object its model refuses", () => {
    expect(manifestProblems({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: "eighty" }] } })).not.toEqual([]);
  });

  it("refuses an object of a kind it has no schema for", () => {
    expect(manifestProblems({ apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name: "g" } })).toEqual([
      "example.com/v1/Gizmo: no schema to validate it against",
    ]);
  });

  it("refuses a SecretProviderClass with a field the CRD lacks", () => {
    const spc = { apiVersion: "secrets-store.csi.x-k8s.io/v1", kind: "SecretProviderClass", metadata: { name: "s", namespace: "n" } };
    expect(manifestProblems({ ...spc, spec: { provider: "vault" } })).toEqual([]);
    expect(manifestProblems({ ...spc, spec: { provider: "vault", secrets: { password: "x" } } })).not.toEqual([]);
  });

  it.skipIf(!schemasPresent)("refuses Cilium and Envoy Gateway objects their CRD schemas refuse", () => {
    const cnp = (spec: JsonObject): JsonObject => ({ apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name: "p", namespace: "n" }, spec });
    expect(manifestProblems(cnp({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: "80", protocol: "TCP" }] }] }] }))).toEqual([]);
    expect(manifestProblems(cnp({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: "80", protocol: "HTTP" }] }] }] }))).not.toEqual([]);
    expect(manifestProblems(cnp({ endpointSelector: {}, egress: [{ toCIDRSet: [{ cidr: "10.0.0.0/99" }] }] }))).not.toEqual([]);
    const policy = (spec: JsonObject): JsonObject => ({ apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "SecurityPolicy", metadata: { name: "p", namespace: "n" }, spec });
    const targetRefs = [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "r" }];
    expect(manifestProblems(policy({ targetRefs, cors: { maxAge: "24h" } }))).toEqual([]);
    expect(manifestProblems(policy({ targetRefs, cors: { maxAge: 86400 } }))).not.toEqual([]);
    expect(manifestProblems(policy({ targetRefs, jwt: { providers: [{ remoteJWKS: { uri: "https://idp/jwks" } }] } }))).not.toEqual([]);
  });
});
