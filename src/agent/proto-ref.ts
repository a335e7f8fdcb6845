import { create } from "@bufbuild/protobuf";
import { ObjectRefSchema, type ObjectRef } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import type { PlaneObjectRef } from "./driver.js";

export function toProtoRef(ref: PlaneObjectRef): ObjectRef {
  return create(ObjectRefSchema, { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name });
}

export function fromProtoRef(ref: ObjectRef | undefined): PlaneObjectRef {
  return { apiVersion: ref?.apiVersion ?? "", kind: ref?.kind ?? "", namespace: ref?.namespace ?? "", name: ref?.name ?? "" };
}
