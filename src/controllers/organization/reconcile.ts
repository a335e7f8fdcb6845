import {
  OrganizationSchema,
  type Organization,
} from "../../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import type { Clock, Reconciler } from "../../core/index.js";
import { isAlreadyExistsError, isNotFoundError } from "../../errors/index.js";
import type { KindRegistry } from "../../model/index.js";
import type { ResourceObject, ResourceStore } from "../../store/index.js";
import { findCondition, type ConditionInput } from "../conditions.js";
import { findObject } from "../find-object.js";
import { writeStatus } from "../object-status.js";
import type { EventRecorder } from "../event-recorder.js";
import { addFinalizer, cleanupFinalizer, isDeleting, removeFinalizer } from "../finalizers.js";
import { organizationDefaults } from "./defaults.js";

export interface OrganizationReconcilerDeps {
  readonly store: ResourceStore;
  readonly registry: KindRegistry;
  readonly clock: Clock;
  readonly events: EventRecorder;
}

/** How often a deleting organization checks that its namespace has emptied. */
const cleanupPollMs = 500;

/**
 * An organization owns the namespace of its name. It starts with the default project, pipeline,
 * environments and classes (created once, never reverted: they are the organization's to change),
 * and its deletion empties the namespace before the organization goes.
 */
export function createOrganizationReconciler(deps: OrganizationReconcilerDeps): Reconciler {
  const { store, registry, clock, events } = deps;
  return async (request, { client }) => {
    let org: Organization | undefined = await findObject(client, OrganizationSchema, { namespace: "", name: request.name });
    if (!org) return {};
    const name = request.name;

    if (isDeleting(org)) {
      const remaining = await deleteNamespaceContents(store, registry, name);
      if (remaining > 0) return { requeueAfterMs: cleanupPollMs };
      if (removeFinalizer(org, cleanupFinalizer)) await client.update(OrganizationSchema, org);
      return {};
    }
    if (addFinalizer(org, cleanupFinalizer)) org = await client.update(OrganizationSchema, org);

    const conditions: ConditionInput[] = [];
    if (findCondition(org.status?.conditions, "DefaultsCreated")?.status !== "True") {
      const created: string[] = [];
      for (const { schema, object } of organizationDefaults(name)) {
        try {
          await client.create(schema, object);
          created.push(`${(object as ResourceObject).kind}/${(object as ResourceObject).metadata?.name}`);
        } catch (err) {
          if (!isAlreadyExistsError(err)) throw err;
        }
      }
      conditions.push({ type: "DefaultsCreated", status: "True", reason: "Created", message: `created ${created.length ? created.join(", ") : "nothing: every default already existed"}` });
      if (created.length > 0) await events.record(org, "Normal", "DefaultsCreated", `Created ${created.join(", ")}`);
    }
    conditions.push({ type: "Ready", status: "True", reason: "NamespaceReady", message: `namespace ${name} is ready` });
    await writeStatus(client, OrganizationSchema, org, conditions, clock.now(), { namespace: name });
    return {};
  };
}

/** Deletes every object of every namespaced kind in the namespace; returns how many are still there. */
async function deleteNamespaceContents(store: ResourceStore, registry: KindRegistry, namespace: string): Promise<number> {
  let remaining = 0;
  for (const kind of registry.kinds.filter((k) => k.namespaced)) {
    const { items } = await store.list(kind.schema, { namespace });
    remaining += items.length;
    for (const item of items as ResourceObject[]) {
      if (isDeleting(item)) continue;
      try {
        await store.delete(kind.schema, { namespace, name: item.metadata?.name ?? "" });
      } catch (err) {
        if (!isNotFoundError(err)) throw err;
      }
    }
  }
  return remaining;
}
