import { describe, expect, it } from "vitest";
import type { JsonObject } from "../model/index.js";
import { testApiClass, testSettings } from "../../test/render/support/inputs.js";
import { effectiveRestPolicy } from "./effective-rest-policy.js";
import { tlsRequirement } from "./tls-requirement.js";

const securityOf = (security: JsonObject) => effectiveRestPolicy(testApiClass("c", { defaults: { security } }), "Public").security;
const gateway = testSettings().externalGateway;

describe("tlsRequirement", () => {
  it("attaches a route that requires TLS to the gateway's TLS listener only", () => {
    expect(tlsRequirement(securityOf({ requireTLS: true }), gateway, "c")).toEqual({ sectionName: "https", problems: [] });
    expect(tlsRequirement(securityOf({ requireTLS: false }), gateway, "c").sectionName).toBeUndefined();
  });

  it("warns when the class asks a minimum TLS version above the gateway's", () => {
    expect(tlsRequirement(securityOf({ minTLSVersion: "1.2" }), gateway, "c").problems).toEqual([]);
    expect(tlsRequirement(securityOf({ minTLSVersion: "TLSv1.3" }), gateway, "c").problems.map((p) => p.reason)).toEqual(["PolicyNotSupported"]);
    expect(tlsRequirement(securityOf({ minTLSVersion: "2.0" }), gateway, "c").problems.map((p) => p.severity)).toEqual(["Error"]);
  });
});
