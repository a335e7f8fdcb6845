import type { BindingEndpointStatus } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";

/** An endpoint of a component, as a connection names it. */
export interface EndpointRef {
  readonly project: string;
  readonly component: string;
  readonly endpoint: string;
}

/** The endpoints of one environment: how a connection finds the addresses of its target. */
export type EndpointLookup = (ref: EndpointRef) => BindingEndpointStatus | undefined;

/** The endpoints one component reports in one environment (its Binding's status.endpoints). */
export interface ComponentEndpoints {
  readonly project: string;
  readonly component: string;
  readonly endpoints: readonly BindingEndpointStatus[];
}

/** A lookup over what the environment's Bindings report (or what their renders returned). */
export function createEndpointLookup(components: Iterable<ComponentEndpoints>): EndpointLookup {
  const byKey = new Map<string, BindingEndpointStatus>();
  for (const { project, component, endpoints } of components) {
    for (const endpoint of endpoints) byKey.set(JSON.stringify([project, component, endpoint.name]), endpoint);
  }
  return (ref) => byKey.get(JSON.stringify([ref.project, ref.component, ref.endpoint]));
}
