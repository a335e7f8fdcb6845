import type { DescMessage } from "@bufbuild/protobuf";
import { APIBindingSchema } from "../../../gen/openchoreo/model/v1alpha1/api_binding_pb.js";
import { APIClassSchema } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { APISchema } from "../../../gen/openchoreo/model/v1alpha1/api_pb.js";
import { ConfigurationGroupSchema } from "../../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { conditionsChanged, controllerFor, generationChanged, or, specOrMetadataChanged, type ControllerDefinition, type FieldIndex, type MapFn } from "../../core/index.js";
import type { ResourceObject } from "../../store/index.js";
import { component, project } from "../references/declarations.js";
import { existenceChanged, ownerOf, referrers } from "../references/reference-controller.js";
import { bindingsConnectingTo } from "../release/binding-indexes.js";
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

/** The environment a binding deploys to. */
const environmentOf = (o: ResourceObject) => (o.spec as { environment?: string } | undefined)?.environment ?? "";

/** An API by the component that owns it. */
const apiComponentIndex: FieldIndex = { name: "api.component", values: (o) => [ownerOf(o)?.componentName ?? ""] };
/** An APIBinding by environment and API. */
const apiBindingIndex: FieldIndex = {
  name: "apiBinding.environmentApi",
  values: (o) => {
    const spec = o.spec as { environmentName?: string; apiName?: string } | undefined;
    return [`${spec?.environmentName ?? ""}/${spec?.apiName ?? ""}`];
  },
};

/**
 * A component binding's spec changed: what resolves to it re-renders, and only that (found through
 * field indexes, so a change costs what depends on it, not what the environment holds): the bindings
 * whose connections name its component, and the APIBindings of its component's APIs, whose backend
 * it is. Status writes do not pass (generationChanged), so this cannot loop.
 */
const toDependents =
  (schema: DescMessage): MapFn =>
  async (peer, reader) => {
    const namespace = peer.metadata?.namespace ?? "";
    const environment = environmentOf(peer);
    const componentName = ownerOf(peer)?.componentName ?? "";
    if (!componentName) return [];
    if (schema.typeName !== APIBindingSchema.typeName) {
      return (await bindingsConnectingTo(reader, schema, namespace, environment, componentName)).filter((o) => o.metadata?.uid !== peer.metadata?.uid).map(keyOf);
    }
    const keys = [];
    for (const api of await reader.list(APISchema, { namespace, field: { index: apiComponentIndex, value: componentName } })) {
      const value = `${environment}/${api.metadata?.name ?? ""}`;
      keys.push(...((await reader.list(APIBindingSchema, { namespace, field: { index: apiBindingIndex, value } })) as ResourceObject[]).map(keyOf));
    }
    return keys;
  };

function sourceController(source: ReleaseSource, deps: BindingReconcilerDeps): ControllerDefinition {
  const { schema } = source;
  // A binding reads nothing of its own status, of its Endpoints' (it makes their specs and labels),
  // and of its Release's but Ready and Simulated: the many status writes of a delivery (the
  // binding's own, the endpoints', an agent's reports) do not wake a render.
  let builder = controllerFor(schema, { predicates: [specOrMetadataChanged] }).owns(ReleaseSchema, {
    predicates: [or(specOrMetadataChanged, conditionsChanged("Ready", "Simulated"))],
  });
  for (const owned of source.owns) builder = builder.owns(owned, { predicates: [specOrMetadataChanged] });
  for (const reference of source.references) {
    // Of a project or a component only existence counts (their status changes with every member's);
    // what renders from an environment, a class or an artifact is in its spec.
    const onlyExistence = reference === project || reference === component;
    builder = builder.watches(reference.schema, (parent, reader) => referrers(reader, schema, reference, parent), { predicates: [onlyExistence ? existenceChanged : generationChanged] });
  }
  // Renders read planes, APIClasses and ConfigurationGroups by their specs; a plane's status (its
  // agent's session) reaches bindings through their Releases.
  for (const shared of [DataPlaneSchema, APIClassSchema, ConfigurationGroupSchema]) builder = builder.watches(shared, toNamespaceObjects(schema), { predicates: [generationChanged] });
  for (const peer of componentBindingKinds) builder = builder.watches(peer.binding, toDependents(schema), { predicates: [generationChanged] });
  return builder.build(createBindingReconciler(source, deps));
}

/** One controller per component binding kind, and one for APIBinding: each object becomes one Release. */
export function bindingControllers(deps: BindingReconcilerDeps): ControllerDefinition[] {
  const sources = [...componentBindingKinds.map(({ binding, componentClass }) => componentBindingSource(binding, componentClass)), apiBindingSource(deps.clock)];
  return sources.map((source) => sourceController(source, deps));
}
