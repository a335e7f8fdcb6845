import { create } from "@bufbuild/protobuf";
import { EndpointSchema, type Endpoint } from "../../gen/openchoreo/model/v1alpha1/endpoint_pb.js";
import type { BindingEndpoint, GatewayVisibility } from "./binding-endpoints.js";
import type { BindingView } from "./binding-view.js";
import { scopeLabels } from "./object-meta.js";
import { endpointObjectName } from "./object-names.js";

/**
 * The Endpoint resource of an exposed endpoint: it lives in the organization's namespace, owned by
 * its Binding (when the Binding has a uid), and records the backend and the gateways it is
 * published on. Its status (URLs, readiness) is the Endpoint controller's.
 */
export function endpointResource(
  view: BindingView,
  endpoint: BindingEndpoint,
  published: ReadonlySet<GatewayVisibility>,
): Endpoint {
  return create(EndpointSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "Endpoint",
    metadata: {
      name: endpointObjectName(view.name, endpoint.name),
      namespace: view.scope.organization,
      labels: scopeLabels(view.scope),
      ownerReferences: view.uid
        ? [
            {
              apiVersion: "openchoreo.dev/v1alpha1",
              kind: `${view.type}Binding`,
              name: view.name,
              uid: view.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ]
        : [],
    },
    spec: {
      type: endpoint.type,
      backendRef: { type: "componentRef", basePath: endpoint.basePath, componentRef: { port: endpoint.port } },
      networkVisibilities: {
        organization: { enable: published.has("Organization") },
        public: { enable: published.has("Public") },
      },
    },
  });
}
