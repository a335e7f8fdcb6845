import type { BindingEndpointStatus, EndpointAddress } from "../../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { EndpointSchema } from "../../../gen/openchoreo/model/v1alpha1/endpoint_pb.js";
import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { conditionsChanged, controllerFor, specOrMetadataChanged, type Clock, type ControllerDefinition, type MapFn } from "../../core/index.js";
import { endpointObjectName, type ComponentBinding } from "../../render/index.js";
import { findCondition, type ConditionInput } from "../conditions.js";
import { findObject, findShared } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { writeStatus } from "../object-status.js";
import { componentBindingKinds } from "../release/environment-inputs.js";

/** A binding or its Release changed: the Endpoints it controls. */
const toControlledEndpoints: MapFn = async (object, reader) => {
  const namespace = object.metadata?.namespace ?? "";
  const owner = object.$typeName === ReleaseSchema.typeName ? object.metadata?.ownerReferences.find((r) => r.controller)?.uid : object.metadata?.uid;
  if (!owner) return [];
  return (await reader.list(EndpointSchema, { namespace, ownerUid: owner })).map((e) => ({ namespace, name: e.metadata?.name ?? "" }));
};

/** The URL an endpoint is best reached at: public, else organization, else inside the project. */
function addressOf(status: BindingEndpointStatus): EndpointAddress | undefined {
  return status.public ?? status.organization ?? status.project;
}

/**
 * An Endpoint's status: its address (the URL its binding resolved for it) and Ready when the
 * binding's Release, which holds its route and policies, is applied and healthy in the data plane.
 */
export function endpointController(deps: { readonly clock: Clock }): ControllerDefinition {
  // An endpoint reads its Release's Ready only, and nothing of its own status.
  let builder = controllerFor(EndpointSchema, { predicates: [specOrMetadataChanged] }).watches(ReleaseSchema, toControlledEndpoints, { predicates: [conditionsChanged("Ready")] });
  for (const { binding } of componentBindingKinds) builder = builder.watches(binding, toControlledEndpoints);
  return builder.build(async (request, { client }) => {
    const endpoint = await findObject(client, EndpointSchema, request);
    if (!endpoint || isDeleting(endpoint)) return {};
    const controller = endpoint.metadata?.ownerReferences.find((r) => r.controller);
    const kind = componentBindingKinds.find((k) => k.binding.name === controller?.kind);
    const binding = kind && controller && ((await findObject(client, kind.binding, { namespace: request.namespace, name: controller.name })) as ComponentBinding | undefined);
    if (!binding) {
      const condition: ConditionInput = { type: "Ready", status: "False", reason: "BindingNotFound", message: "the binding that declares this endpoint is gone" };
      await writeStatus(client, EndpointSchema, endpoint, [condition], deps.clock.now());
      return {};
    }
    const declared = ((binding.status as { endpoints?: BindingEndpointStatus[] } | undefined)?.endpoints ?? []).find(
      (e) => endpointObjectName(binding.metadata?.name ?? "", e.name ?? "") === request.name,
    );
    const address = declared && addressOf(declared);
    const release = await findShared(client, ReleaseSchema, { namespace: request.namespace, name: binding.metadata?.name ?? "" });
    const releaseReady = findCondition(release?.status?.conditions, "Ready");
    const ready: ConditionInput = !address
      ? { type: "Ready", status: "False", reason: "AddressPending", message: "the binding has not resolved this endpoint's address yet" }
      : releaseReady?.status === "True"
        ? { type: "Ready", status: "True", reason: "Serving", message: `served at ${address.uri ?? address.host}` }
        : { type: "Ready", status: "False", reason: releaseReady?.reason ?? "NotReleased", message: releaseReady?.message ?? "its Release is not delivered yet" };
    await writeStatus(client, EndpointSchema, endpoint, [ready], deps.clock.now(), { address: address?.uri ?? address?.host });
    return {};
  });
}
