import { describe, expect, it } from "vitest";
import type { JsonObject } from "../model/index.js";
import { testApiClass, testEnvironment } from "../../test/render/support/inputs.js";
import { manifestProblems } from "../../test/render/support/validate-manifest.js";
import { effectiveRestPolicy } from "./effective-rest-policy.js";
import { renderSecurityPolicy } from "./security-policy.js";

const scope = { organization: "acme", project: "shop", environment: "dev", component: "api" };

function render(restPolicy: JsonObject, jwks?: string) {
  const policy = effectiveRestPolicy(testApiClass("c", restPolicy), "Public");
  const result = renderSecurityPolicy({ policy, apiClassName: "c", routeName: "route", namespace: "ns", scope, environment: testEnvironment(jwks) });
  if (result.manifest) expect(manifestProblems(result.manifest)).toEqual([]);
  return { spec: result.manifest?.spec as JsonObject | undefined, reasons: result.problems.map((p) => `${p.severity}:${p.reason}`) };
}

describe("renderSecurityPolicy", () => {
  it("renders nothing for a policy without authentication, CORS or addresses", () => {
    expect(render({ defaults: { rateLimit: { requests: 1, window: "1s" } } }).spec).toBeUndefined();
  });

  it("maps jwt to a JWT provider with issuer and audiences; the Environment's JWKS wins over the class's", () => {
    const jwt = { defaults: { authentication: { type: "jwt", jwt: { jwks: "https://idp/class-jwks", issuer: "https://idp", audience: ["a", "b"] } } } };
    expect(render(jwt).spec!.jwt).toEqual({
      providers: [{ name: "jwt", remoteJWKS: { uri: "https://idp/class-jwks" }, issuer: "https://idp", audiences: ["a", "b"] }],
    });
    expect(render(jwt, "https://env-idp/jwks").spec!.jwt).toMatchObject({ providers: [{ remoteJWKS: { uri: "https://env-idp/jwks" } }] });
  });

  it("maps oauth2 to JWT validation with the Environment's JWKS and an authorization rule on the scopes", () => {
    const { spec, reasons } = render({ defaults: { authentication: { type: "oauth2", oauth2: { tokenUrl: "https://idp/token", scopes: ["read", "write"] } } } }, "https://idp/jwks");
    expect(reasons).toEqual([]);
    expect(spec!.jwt).toEqual({ providers: [{ name: "oauth2", remoteJWKS: { uri: "https://idp/jwks" } }] });
    expect(spec!.authorization).toEqual({
      defaultAction: "Deny",
      rules: [{ name: "allowed", action: "Allow", principal: { jwt: { provider: "oauth2", scopes: ["read", "write"] } } }],
    });
  });

  it("renders closed (every request denied) when authentication cannot be set up", () => {
    const noJwks = render({ defaults: { authentication: { type: "oauth2", oauth2: { tokenUrl: "https://idp/token" } } } });
    expect(noJwks.spec).toEqual({ targetRefs: expect.any(Array), authorization: { defaultAction: "Deny" } });
    expect(noJwks.reasons).toEqual(["Error:PolicyInvalid"]);
    const unknown = render({ defaults: { authentication: { type: "saml" } } });
    expect(unknown.spec!.authorization).toEqual({ defaultAction: "Deny" });
    expect(unknown.reasons).toEqual(["Error:PolicyInvalid"]);
  });

  it("maps apikey to API key authentication from the header or query parameter, keys in a provisioned Secret", () => {
    const { spec } = render({ defaults: { authentication: { type: "apikey", apikey: { header: "X-Key", queryParam: "key" } } } });
    expect(spec!.apiKeyAuth).toEqual({
      credentialRefs: [{ group: "", kind: "Secret", name: expect.stringMatching(/^c-api-keys-[0-9a-f]{8}$/) }],
      extractFrom: [{ headers: ["X-Key"] }, { params: ["key"] }],
    });
    expect(render({ defaults: { authentication: { type: "apikey" } } }).spec!.apiKeyAuth).toMatchObject({ extractFrom: [{ headers: ["x-api-key"] }] });
    expect(render({ defaults: { authentication: { type: "basic" } } }).spec!.basicAuth).toMatchObject({ users: { kind: "Secret" } });
  });

  it("maps blocked and allowed IPs to client-CIDR authorization, single addresses as one-host CIDRs", () => {
    const { spec } = render({ defaults: { security: { blockedIPs: ["10.0.0.9"], allowedIPs: ["10.0.0.0/8", "2001:db8::1"] } } });
    expect(spec!.authorization).toEqual({
      defaultAction: "Deny",
      rules: [
        { name: "blocked-ips", action: "Deny", principal: { clientCIDRs: ["10.0.0.9/32"] } },
        { name: "allowed", action: "Allow", principal: { clientCIDRs: ["10.0.0.0/8", "2001:db8::1/128"] } },
      ],
    });
    expect(render({ defaults: { security: { blockedIPs: ["192.0.2.1"] } } }).spec!.authorization).toMatchObject({ defaultAction: "Allow" });
    const bad = render({ defaults: { security: { allowedIPs: ["10.0.0.0/33"] } } });
    expect(bad.spec!.authorization).toEqual({ defaultAction: "Deny" });
    expect(bad.reasons).toEqual(["Error:PolicyInvalid"]);
  });

  it("maps CORS, with maxAge as a duration, leaving out origins Envoy Gateway would refuse", () => {
    const { spec, reasons } = render({
      defaults: { cors: { allowOrigins: ["https://a.example.com", "ftp://b"], allowMethods: ["GET"], maxAge: 5400 } },
    });
    expect(spec!.cors).toEqual({ allowOrigins: ["https://a.example.com"], allowMethods: ["GET"], maxAge: "1h30m" });
    expect(reasons).toEqual(["Error:PolicyInvalid"]);
  });
});
