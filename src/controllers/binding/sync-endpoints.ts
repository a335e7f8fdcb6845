import { EndpointSchema, EndpointSpecSchema, type Endpoint } from "../../../gen/openchoreo/model/v1alpha1/endpoint_pb.js";
import type { Client } from "../../core/index.js";
import { copyMessage } from "../../model/index.js";
import { messageEquals } from "../../model/message-equals.js";
import type { ResourceObject } from "../../store/index.js";

/**
 * Makes the Endpoint objects a binding controls exactly the rendered ones: creates the new, updates
 * changed specs and labels, deletes the ones whose endpoint left the workload.
 */
export async function syncEndpoints(client: Client, binding: ResourceObject, desired: readonly Endpoint[]): Promise<void> {
  const namespace = binding.metadata?.namespace ?? "";
  const existing = await client.list(EndpointSchema, { namespace, ownerUid: binding.metadata?.uid });
  const byName = new Map(existing.map((e) => [e.metadata?.name ?? "", e]));
  for (const endpoint of desired) {
    const current = byName.get(endpoint.metadata?.name ?? "");
    byName.delete(endpoint.metadata?.name ?? "");
    if (!current) {
      await client.create(EndpointSchema, endpoint);
      continue;
    }
    const labelsMatch = Object.entries(endpoint.metadata?.labels ?? {}).every(([k, v]) => current.metadata?.labels[k] === v);
    if (labelsMatch && current.spec && endpoint.spec && messageEquals(EndpointSpecSchema, current.spec, endpoint.spec)) continue;
    // Listed objects are the cache's own (frozen): the update writes a copy.
    const updated = copyMessage(EndpointSchema, current);
    updated.metadata!.labels = { ...current.metadata!.labels, ...endpoint.metadata?.labels };
    updated.spec = endpoint.spec;
    await client.update(EndpointSchema, updated);
  }
  for (const stale of byName.values()) await client.delete(EndpointSchema, { namespace, name: stale.metadata?.name ?? "" });
}
