import type { RestPolicy } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import type { JsonObject } from "../model/index.js";
import { objectMeta } from "./object-meta.js";
import type { ComponentScope } from "./scope.js";

/** An APIClass's effective REST policy, to apply to one HTTPRoute. */
export interface RoutePolicyInput {
  readonly policy: RestPolicy;
  readonly apiClassName: string;
  /** The HTTPRoute the policy applies to; the policy takes its name. */
  readonly routeName: string;
  readonly namespace: string;
  readonly scope: ComponentScope;
}

/**
 * An Envoy Gateway policy of `kind` that applies `features` to the input's HTTPRoute (in the
 * route's namespace); undefined when there are no features to apply.
 */
export function routePolicy(kind: string, input: RoutePolicyInput, features: JsonObject): JsonObject | undefined {
  if (Object.keys(features).length === 0) return undefined;
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind,
    metadata: objectMeta(input.routeName, input.namespace, input.scope),
    spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: input.routeName }], ...features },
  };
}
