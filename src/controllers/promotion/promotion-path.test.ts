import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DeploymentPipelineSchema } from "../../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";
import { checkPromotionPath } from "./promotion-path.js";

const pipeline = create(DeploymentPipelineSchema, {
  metadata: { name: "default" },
  spec: {
    promotionPaths: [
      { sourceEnvironmentRef: "development", targetEnvironmentRefs: [{ name: "staging" }, { name: "qa", isManualApprovalRequired: true }] },
      { sourceEnvironmentRef: "staging", targetEnvironmentRefs: [{ name: "production", requiresApproval: true }] },
    ],
  },
});

describe("checkPromotionPath", () => {
  it("allows the pipeline's paths and says which need an approval (either flag)", () => {
    expect(checkPromotionPath(pipeline, "development", "staging")).toEqual({ allowed: true, approvalRequired: false });
    expect(checkPromotionPath(pipeline, "development", "qa")).toEqual({ allowed: true, approvalRequired: true });
    expect(checkPromotionPath(pipeline, "staging", "production")).toEqual({ allowed: true, approvalRequired: true });
  });

  it("refuses any other path, naming the allowed targets", () => {
    expect(checkPromotionPath(pipeline, "development", "production")).toEqual({
      allowed: false,
      allowedTargets: ["staging", "qa"],
      message: 'DeploymentPipeline "default" has no path from "development" to "production"; allowed targets from "development": staging, qa',
    });
    expect(checkPromotionPath(pipeline, "production", "development")).toMatchObject({ allowed: false, allowedTargets: [], message: expect.stringMatching(/"production" is the source of no path$/) });
    expect(checkPromotionPath(pipeline, "staging", "staging").allowed).toBe(false);
  });
});
