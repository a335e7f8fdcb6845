import { toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RestPolicySchema } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { testApiClass } from "../../test/render/support/inputs.js";
import { effectiveRestPolicy } from "./effective-rest-policy.js";

describe("effectiveRestPolicy", () => {
  const apiClass = testApiClass("c", {
    defaults: { rateLimit: { requests: 10, window: "1m" }, cors: { allowOrigins: ["https://a"], allowMethods: ["GET"] } },
    public: { rateLimit: { requests: 5 }, cors: { allowOrigins: ["https://b"] } },
    organization: { security: { requireTLS: true } },
  });

  it("lays the exposure level's override on the defaults, field by field", () => {
    expect(toJson(RestPolicySchema, effectiveRestPolicy(apiClass, "Public"))).toEqual({
      rateLimit: { requests: 5, window: "1m" },
      cors: { allowOrigins: ["https://b"], allowMethods: ["GET"] },
    });
    expect(toJson(RestPolicySchema, effectiveRestPolicy(apiClass, "Organization"))).toEqual({
      rateLimit: { requests: 10, window: "1m" },
      cors: { allowOrigins: ["https://a"], allowMethods: ["GET"] },
      security: { requireTLS: true },
    });
  });

  it("is empty for a class without a REST policy", () => {
    expect(toJson(RestPolicySchema, effectiveRestPolicy(testApiClass("c", {}), "Public"))).toEqual({});
  });
});
