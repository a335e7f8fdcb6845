import { fromJson, toJson } from "@bufbuild/protobuf";
import { RestPolicySchema, type APIClass, type RestPolicy } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { isJsonObject, type JsonObject } from "../model/index.js";
import type { GatewayVisibility } from "./binding-endpoints.js";
import { deepMerge } from "./deep-merge.js";

/**
 * The REST policy an APIClass applies at one gateway: its `defaults` with the override of that
 * exposure level (`public` or `organization`) laid on top, field by field (an override's list or
 * value replaces the default's; its objects merge).
 */
export function effectiveRestPolicy(apiClass: APIClass, visibility: GatewayVisibility): RestPolicy {
  const rest = apiClass.spec?.restPolicy;
  const override = visibility === "Public" ? rest?.public : rest?.organization;
  return fromJson(RestPolicySchema, deepMerge(asJson(rest?.defaults), asJson(override)));
}

function asJson(policy: RestPolicy | undefined): JsonObject | undefined {
  if (!policy) return undefined;
  const json = toJson(RestPolicySchema, policy);
  return isJsonObject(json) ? json : undefined;
}
