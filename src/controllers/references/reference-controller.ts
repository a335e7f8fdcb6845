import type { DescMessage } from "@bufbuild/protobuf";
import { ComponentSchema } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { conditionsChanged, controllerFor, or, specOrMetadataChanged, type Client, type Clock, type ControllerDefinition, type FieldIndex, type Predicate, type Reader } from "../../core/index.js";
import { labels } from "../../model/index.js";
import type { ObjectKey, ResourceObject } from "../../store/index.js";
import type { Condition } from "../../../gen/openchoreo/meta/v1alpha1/condition_pb.js";
import { findCondition, isReady, rollUpSimulation, simulatedCondition, type ConditionInput, type Simulation } from "../conditions.js";
import type { EventRecorder } from "../event-recorder.js";
import { adopt } from "../adopt.js";
import { findObject } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { readyFrom, reportReadiness, writeStatus } from "../object-status.js";

/** One kind of object an object names, and the condition that says whether they exist. */
export interface Reference {
  /** Condition type, e.g. "PipelineResolved". */
  readonly type: string;
  readonly schema: DescMessage;
  /** Names, in the object's own namespace, of the objects it needs. */
  readonly names: (object: ResourceObject) => readonly string[];
}

/** An object of a kind and what it needs to be Ready. */
export interface ReferenceDeclaration {
  readonly schema: DescMessage;
  readonly references: readonly Reference[];
  /**
   * A condition the platform states about every object of the kind (e.g. "no controller acts on
   * this kind"); it holds Ready at its status when it is not True.
   */
  readonly notice?: ConditionInput | ((object: ResourceObject) => ConditionInput);
  /** Reason of Ready when everything resolves. Default "Resolved". */
  readonly readyReason?: string;
  /** Objects of another kind whose readiness rolls up into this one (a project's components). */
  readonly rollup?: Rollup;
}

/** The members of an object whose Ready conditions roll up into one condition of it. */
export interface Rollup {
  /** Condition type, e.g. "ComponentsReady". */
  readonly type: string;
  readonly schema: DescMessage;
  /**
   * The names of the objects (in its namespace) a member belongs to: an index, so an object's
   * members are found without a scan of the namespace, and a member's owners without any list.
   */
  readonly memberOf: FieldIndex;
}

/** The fields of spec.owner, which most application kinds carry. */
export function ownerOf(object: ResourceObject): { projectName?: string; componentName?: string } | undefined {
  return (object.spec as { owner?: { projectName?: string; componentName?: string } } | undefined)?.owner;
}

/** An object by the component its spec.owner names: a component's Workload, Service, bindings. */
export const ownerComponentIndex: FieldIndex = {
  name: "owner.componentName",
  values: (object) => {
    const name = ownerOf(object)?.componentName;
    return name ? [name] : [];
  },
};

/** An object by the project its spec.owner names: a project's components. */
export const ownerProjectIndex: FieldIndex = {
  name: "owner.projectName",
  values: (object) => {
    const name = ownerOf(object)?.projectName;
    return name ? [name] : [];
  },
};

/**
 * A controller that checks an object's references: each named object must exist, or a condition
 * names what is missing; Ready rolls them up, and the object recovers by itself when the missing
 * object appears (it watches each referenced kind). Objects owned by a component get the standard
 * labels and an ownerReference to it, so deleting the component (or its project) removes them.
 */
export function referenceController(declaration: ReferenceDeclaration, deps: { readonly clock: Clock; readonly events: EventRecorder }): ControllerDefinition {
  const { schema, references, rollup } = declaration;
  // Its own status writes wake it only when its notice reads the status (a plane's agent session).
  let builder = controllerFor(schema, typeof declaration.notice === "function" ? {} : { predicates: [specOrMetadataChanged] });
  for (const reference of references) {
    builder = builder.watches(reference.schema, async (parent, reader) => referrers(reader, schema, reference, parent), { predicates: [existenceChanged] });
  }
  if (rollup) {
    // Of a member's status only Ready and Simulated roll up.
    const rolledUp = { predicates: [or(specOrMetadataChanged, conditionsChanged("Ready", "Simulated"))] };
    builder = builder.watches(rollup.schema, (member) => rollup.memberOf.values(member).map((name) => ({ namespace: member.metadata?.namespace ?? "", name })), rolledUp);
  }
  return builder.build(async (request, { client }) => {
    const object = (await findObject(client, schema, request)) as ResourceObject | undefined;
    if (!object || isDeleting(object)) return {};
    if (await linkToComponent(client, schema, object)) return {};

    const conditions: ConditionInput[] = [];
    for (const reference of references) conditions.push(await check(client, object, reference));
    const { notice } = declaration;
    if (notice) conditions.push(typeof notice === "function" ? notice(object) : notice);
    const rolledUp = rollup && (await rollUpWithSimulation(client, object, rollup));
    if (rolledUp) conditions.push(rolledUp.condition);
    const ready = readyFrom(conditions, declaration.readyReason ?? "Resolved", "every referenced object exists");
    conditions.push(ready);
    const simulated = rolledUp && simulatedCondition(object, rolledUp.simulation);
    if (simulated) conditions.push(simulated);
    const before = findCondition((object.status as { conditions?: Condition[] } | undefined)?.conditions, "Ready");
    await writeStatus(client, schema, object, conditions, deps.clock.now());
    await reportReadiness(deps.events, object, before, ready);
    return {};
  });
}

/** How many members not Ready a rolled-up condition names. */
const rolledUpNames = 10;

export async function rollUp(reader: Reader, object: ResourceObject, rollup: Rollup): Promise<ConditionInput> {
  return (await rollUpWithSimulation(reader, object, rollup)).condition;
}

/** The roll-up condition and, from the same members (listed once), what of them is simulated. */
export async function rollUpWithSimulation(reader: Reader, object: ResourceObject, rollup: Rollup): Promise<{ condition: ConditionInput; simulation: Simulation | undefined }> {
  const namespace = object.metadata?.namespace ?? "";
  const members = (await reader.list(rollup.schema, { namespace, field: { index: rollup.memberOf, value: object.metadata?.name ?? "" } })) as ResourceObject[];
  return { condition: readiness(members, rollup), simulation: rollUpSimulation(members, rollup.schema.name) };
}

function readiness(members: readonly ResourceObject[], rollup: Rollup): ConditionInput {
  const waiting = members.filter((m) => !isReady(m as { status?: { conditions?: Condition[] } }));
  const kind = rollup.schema.name;
  if (waiting.length === 0) return { type: rollup.type, status: "True", reason: "AllReady", message: `${members.length} ${kind} objects, all Ready` };
  // The first few by name: a message naming all of a thousand members would be rewritten, whole,
  // with each member's change (quadratic bytes), and read by nobody.
  const named = waiting.slice(0, rolledUpNames);
  const reasons = named.map((m) => `${m.metadata?.name} (${findCondition((m.status as { conditions?: Condition[] } | undefined)?.conditions, "Ready")?.reason ?? "NotReconciled"})`);
  const more = waiting.length > named.length ? ` and ${waiting.length - named.length} more` : "";
  return { type: rollup.type, status: "False", reason: `${kind}NotReady`, message: `${waiting.length} of ${members.length} not Ready: ${reasons.join(", ")}${more}` };
}

export async function check(reader: Reader, object: ResourceObject, reference: Reference): Promise<ConditionInput> {
  const namespace = object.metadata?.namespace ?? "";
  const missing: string[] = [];
  for (const name of reference.names(object)) {
    if (!(await findObject(reader, reference.schema, { namespace, name }))) missing.push(name);
  }
  const kind = reference.schema.name;
  if (missing.length === 0) return { type: reference.type, status: "True", reason: "Found", message: `every ${kind} referenced exists` };
  return {
    type: reference.type,
    status: "False",
    reason: `${kind}NotFound`,
    message: `${kind} ${missing.map((n) => `"${n}"`).join(", ")} not found in namespace "${namespace}"`,
  };
}

// One field index per Reference object: two references may share a condition type and a kind
// (environmentOf("environment") and environmentOf("environmentName")) and still read other fields.
const referenceIndexes = new WeakMap<Reference, FieldIndex>();
let referenceIndexCount = 0;
function referenceIndex(reference: Reference): FieldIndex {
  let index = referenceIndexes.get(reference);
  if (!index) {
    index = { name: `reference-${++referenceIndexCount}.${reference.type}`, values: reference.names };
    referenceIndexes.set(reference, index);
  }
  return index;
}

/** The objects of a kind that name `parent` through a reference, found through a field index. */
export async function referrers(reader: Reader, schema: DescMessage, reference: Reference, parent: ResourceObject): Promise<ObjectKey[]> {
  const namespace = parent.metadata?.namespace ?? "";
  const name = parent.metadata?.name ?? "";
  const objects = (await reader.list(schema, { namespace, field: { index: referenceIndex(reference), value: name } })) as ResourceObject[];
  return objects.map((o) => ({ namespace, name: o.metadata?.name ?? "" }));
}

/**
 * A referenced object's updates do not pass: check() asks only whether it exists, so only its
 * creation and deletion can change a referrer's conditions. Without this a project's status write
 * (its components' readiness rolls up into it) would re-reconcile everything in the project.
 */
export const existenceChanged: Predicate = (event) => event.type !== "update";

/**
 * Gives an object owned by a component the standard labels and an ownerReference to the component.
 * Returns true when it wrote (the write wakes the next reconcile).
 */
export async function linkToComponent(client: Client, schema: DescMessage, object: ResourceObject): Promise<boolean> {
  const owner = ownerOf(object);
  const meta = object.metadata;
  if (!meta || schema.typeName === ComponentSchema.typeName) return false;
  const wanted: Record<string, string> = { [labels.organization]: meta.namespace };
  if (owner?.projectName) wanted[labels.project] = owner.projectName;
  if (owner?.componentName) wanted[labels.component] = owner.componentName;
  const component = (await findObject(client, ComponentSchema, { namespace: meta.namespace, name: owner?.componentName ?? "" })) as ResourceObject | undefined;
  const changed = adopt(object, wanted, component && { object: component, controller: false });
  if (changed) await client.update(schema, object);
  return changed;
}
