import type { DescMessage } from "@bufbuild/protobuf";
import { APIClassSchema } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { ConfigurationGroupSchema } from "../../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { EndpointSchema } from "../../../gen/openchoreo/model/v1alpha1/endpoint_pb.js";
import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { controllerFor, generationChanged, type ControllerDefinition, type MapFn } from "../../core/index.js";
import type { ComponentBinding } from "../../render/index.js";
import { artifact, classOf, component, environmentOf, project } from "../references/declarations.js";
import { referrers, type Reference } from "../references/reference-controller.js";
import { componentBindingKinds } from "../release/environment-inputs.js";
import { createBindingReconciler, type BindingReconcilerDeps } from "./reconcile.js";

/** Something every binding of the namespace renders from changed (a plane, an APIClass, a ConfigurationGroup). */
const toNamespaceBindings =
  (schema: DescMessage): MapFn =>
  async (object, reader) => {
    const namespace = object.metadata?.namespace ?? "";
    return (await reader.list(schema, { namespace })).map((b) => ({ namespace, name: (b as ComponentBinding).metadata?.name ?? "" }));
  };

/**
 * Another binding's spec changed: the bindings of the same environment re-render, since connections
 * resolve to its endpoints. Status writes do not pass (generationChanged), so this cannot loop.
 */
const toEnvironmentPeers =
  (schema: DescMessage): MapFn =>
  async (peer, reader) => {
    const namespace = peer.metadata?.namespace ?? "";
    const environment = (peer as ComponentBinding).spec?.environment;
    return ((await reader.list(schema, { namespace })) as ComponentBinding[])
      .filter((b) => b.spec?.environment === environment && b.metadata?.uid !== peer.metadata?.uid)
      .map((b) => ({ namespace, name: b.metadata?.name ?? "" }));
  };

/** One controller per component binding kind. */
export function bindingControllers(deps: BindingReconcilerDeps): ControllerDefinition[] {
  return componentBindingKinds.map(({ binding: schema, componentClass }) => {
    const references: Reference[] = [project, component, environmentOf("environment"), classOf(componentClass), artifact];
    let builder = controllerFor(schema).owns(ReleaseSchema).owns(EndpointSchema);
    for (const reference of references) builder = builder.watches(reference.schema, (parent, reader) => referrers(reader, schema, reference, parent));
    for (const shared of [DataPlaneSchema, APIClassSchema, ConfigurationGroupSchema]) builder = builder.watches(shared, toNamespaceBindings(schema));
    for (const peer of componentBindingKinds) builder = builder.watches(peer.binding, toEnvironmentPeers(schema), { predicates: [generationChanged] });
    return builder.build(createBindingReconciler(schema, references, deps));
  });
}
