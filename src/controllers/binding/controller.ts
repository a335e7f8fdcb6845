import type { DescMessage } from "@bufbuild/protobuf";
import { APIClassSchema } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { ConfigurationGroupSchema } from "../../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { controllerFor, generationChanged, type ControllerDefinition, type MapFn } from "../../core/index.js";
import type { ResourceObject } from "../../store/index.js";
import { referrers } from "../references/reference-controller.js";
import { componentBindingKinds } from "../release/environment-inputs.js";
import { apiBindingSource } from "./api-binding-source.js";
import { componentBindingSource } from "./component-binding-source.js";
import { createBindingReconciler, type BindingReconcilerDeps } from "./reconcile.js";
import type { ReleaseSource } from "./release-source.js";

const keyOf = (o: ResourceObject) => ({ namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "" });

/** Something every object of the namespace renders from changed (a plane, an APIClass, a ConfigurationGroup). */
const toNamespaceObjects =
  (schema: DescMessage): MapFn =>
  async (object, reader) =>
    ((await reader.list(schema, { namespace: object.metadata?.namespace ?? "" })) as ResourceObject[]).map(keyOf);

/** The environment a binding or APIBinding deploys to. */
const environmentOf = (o: ResourceObject) => {
  const spec = o.spec as { environment?: string; environmentName?: string } | undefined;
  return spec?.environment ?? spec?.environmentName;
};

/**
 * A component binding's spec changed: the objects of the same environment re-render, since
 * connections and managed APIs resolve to it. Status writes do not pass (generationChanged), so
 * this cannot loop.
 */
const toEnvironmentPeers =
  (schema: DescMessage): MapFn =>
  async (peer, reader) =>
    ((await reader.list(schema, { namespace: peer.metadata?.namespace ?? "" })) as ResourceObject[])
      .filter((o) => environmentOf(o) === environmentOf(peer) && o.metadata?.uid !== peer.metadata?.uid)
      .map(keyOf);

function sourceController(source: ReleaseSource, deps: BindingReconcilerDeps): ControllerDefinition {
  const { schema } = source;
  let builder = controllerFor(schema).owns(ReleaseSchema);
  for (const owned of source.owns) builder = builder.owns(owned);
  for (const reference of source.references) builder = builder.watches(reference.schema, (parent, reader) => referrers(reader, schema, reference, parent));
  for (const shared of [DataPlaneSchema, APIClassSchema, ConfigurationGroupSchema]) builder = builder.watches(shared, toNamespaceObjects(schema));
  for (const peer of componentBindingKinds) builder = builder.watches(peer.binding, toEnvironmentPeers(schema), { predicates: [generationChanged] });
  return builder.build(createBindingReconciler(source, deps));
}

/** One controller per component binding kind, and one for APIBinding: each object becomes one Release. */
export function bindingControllers(deps: BindingReconcilerDeps): ControllerDefinition[] {
  const sources = [...componentBindingKinds.map(({ binding, componentClass }) => componentBindingSource(binding, componentClass)), apiBindingSource(deps.clock)];
  return sources.map((source) => sourceController(source, deps));
}
