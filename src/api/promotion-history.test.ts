import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { PromotionSchema } from "../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import { ServiceBindingSchema } from "../../gen/openchoreo/model/v1alpha1/service_binding_pb.js";
import type { ResourceObject } from "../store/index.js";
import { promotionHistory } from "./promotion-history.js";

const at = (minute: number) => timestampFromMs(Date.UTC(2025, 0, 1, 12, minute));

const promotion = (name: string, fields: { source?: string; target: string; artifact: string; phase: string; minute: number; by: string }) =>
  create(PromotionSchema, {
    metadata: { name, creationTimestamp: at(fields.minute) },
    spec: { targetEnvironment: fields.target, requestedBy: fields.by, ...(fields.source ? { sourceEnvironment: fields.source } : { artifactName: fields.artifact }) },
    status: { phase: fields.phase, artifactName: fields.artifact, image: `img:${fields.artifact}`, ...(fields.phase === "Succeeded" ? { startTime: at(fields.minute + 1) } : {}) },
  });

const binding = (environment: string, revisions: { artifact: string; minute: number; promotion?: string }[]) =>
  create(ServiceBindingSchema, {
    spec: { environment },
    status: { revisions: revisions.map((r) => ({ artifactName: r.artifact, image: `img:${r.artifact}`, deployedTime: at(r.minute), ...(r.promotion ? { promotionName: r.promotion } : {}) })) },
  }) as ResourceObject;

describe("promotionHistory", () => {
  const promotions = [
    promotion("p1", { source: "development", target: "staging", artifact: "a1", phase: "Succeeded", minute: 10, by: "dave" }),
    promotion("p2", { source: "development", target: "staging", artifact: "a2", phase: "Failed", minute: 20, by: "dave" }),
    promotion("r1", { target: "staging", artifact: "a1", phase: "Succeeded", minute: 30, by: "carol" }),
  ];
  const bindings = [
    binding("development", [{ artifact: "a2", minute: 15 }, { artifact: "a1", minute: 5 }]),
    binding("staging", [{ artifact: "a1", minute: 31, promotion: "r1" }, { artifact: "a1", minute: 11, promotion: "p1" }, { artifact: "a0", minute: 1, promotion: "deleted" }]),
  ];

  it("lists promotions (whatever their result), rollbacks and builds, newest first, each deployment once", () => {
    expect(promotionHistory(promotions, bindings, "").map((e) => [e.environment, e.action, e.artifactName, e.result, e.principal])).toEqual([
      ["staging", "Rollback", "a1", "Succeeded", "carol"],
      ["staging", "Promotion", "a2", "Failed", "dave"],
      ["development", "Build", "a2", "Deployed", ""],
      ["staging", "Promotion", "a1", "Succeeded", "dave"],
      ["development", "Build", "a1", "Deployed", ""],
      // Its promotion was deleted: the binding's revision still tells.
      ["staging", "Promotion", "a0", "Deployed", ""],
    ]);
  });

  it("keeps one environment's entries when asked", () => {
    expect(promotionHistory(promotions, bindings, "development").map((e) => e.artifactName)).toEqual(["a2", "a1"]);
  });
});
