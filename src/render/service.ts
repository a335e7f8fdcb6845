import { formatProblem, type JsonObject } from "../model/index.js";
import { StringFormat } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import type { BindingEndpoint } from "./binding-endpoints.js";
import type { BindingView } from "./binding-view.js";
import { deepMerge } from "./deep-merge.js";
import { generatedName } from "./names.js";
import { objectMeta, podSelectorLabels } from "./object-meta.js";
import { workloadName } from "./object-names.js";

/**
 * The v1 Service of a binding: the Class's serviceTemplate with one port per endpoint port. Ports
 * are named after their endpoint (hashed when the name is not a DNS label). Undefined without
 * endpoints: a Service needs a port.
 */
export function renderService(view: BindingView, classTemplate: JsonObject | undefined, endpoints: readonly BindingEndpoint[]): JsonObject | undefined {
  const ports: JsonObject[] = [];
  for (const endpoint of endpoints) {
    const protocol = endpoint.type === "UDP" ? "UDP" : "TCP";
    if (ports.some((p) => p.port === endpoint.port && p.protocol === protocol)) continue;
    const port: JsonObject = {
      name: formatProblem(StringFormat.DNS1123_LABEL, endpoint.name) ? generatedName([endpoint.name]) : endpoint.name,
      port: endpoint.port,
      targetPort: endpoint.port,
      protocol,
    };
    // The gateway speaks to a backend in the protocol its Service port declares.
    if (endpoint.type === "gRPC") port.appProtocol = "kubernetes.io/h2c";
    if (endpoint.type === "Websocket") port.appProtocol = "kubernetes.io/ws";
    ports.push(port);
  }
  if (ports.length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: objectMeta(workloadName(view.scope), view.namespace, view.scope),
    spec: deepMerge(classTemplate, { selector: podSelectorLabels(view.scope), ports }),
  };
}
