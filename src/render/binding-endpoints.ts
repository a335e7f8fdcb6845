import type { BindingView } from "./binding-view.js";
import { renderError, renderWarning, type RenderProblem } from "./render-problem.js";
import { sortedEntries } from "./sorted-entries.js";
import { urlPath } from "./url-path.js";

export type Visibility = "Project" | "Organization" | "Public";
export type GatewayVisibility = Exclude<Visibility, "Project">;
export type EndpointType = "HTTP" | "REST" | "gRPC" | "GraphQL" | "Websocket" | "TCP" | "UDP";

/** One network endpoint of a component in an environment. */
export interface BindingEndpoint {
  readonly name: string;
  readonly type: EndpointType;
  readonly port: number;
  /** Where the API lives on the backend: "" for the root, else "/a/b". */
  readonly basePath: string;
  /** Who may call it; always includes "Project" (the cell). */
  readonly visibilities: readonly Visibility[];
  /** The APIClass whose policies apply at the gateways (Service APIs only). */
  readonly apiClassName: string | undefined;
  /** An API of a Service or the app of a WebApplication: it gets an Endpoint resource. */
  readonly exposed: boolean;
}

const endpointTypes: readonly EndpointType[] = ["HTTP", "REST", "gRPC", "GraphQL", "Websocket", "TCP", "UDP"];

/** Endpoint types a gateway routes as HTTP (HTTPRoute); gRPC gets a GRPCRoute; TCP and UDP no route. */
export function isHttpFamily(type: EndpointType): boolean {
  return type === "HTTP" || type === "REST" || type === "GraphQL" || type === "Websocket";
}

/**
 * The endpoints of a binding. Every workload endpoint is reachable in its cell. A Service exposes
 * what its `apis` declare, at their `exposeLevels`; an API names its workload endpoint by key, and
 * its backend port, when given, wins. A WebApplication exposes its HTTP and gRPC endpoints
 * publicly. A ScheduledTask has no endpoints.
 */
export function bindingEndpoints(view: BindingView): { endpoints: BindingEndpoint[]; problems: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  if (view.type === "ScheduledTask") {
    if (Object.keys(view.workload.endpoints).length > 0) {
      problems.push(renderWarning("EndpointInvalid", "a ScheduledTask serves no endpoints: its workload endpoints are ignored"));
    }
    return { endpoints: [], problems };
  }
  const byName = new Map<string, BindingEndpoint>();
  for (const [name, declared] of sortedEntries(view.workload.endpoints)) {
    const type = endpointType(declared.type);
    if (!type || !validPort(declared.port)) {
      problems.push(renderError("EndpointInvalid", `workload endpoint "${name}" needs a known type and a port from 1 to 65535`));
      continue;
    }
    const exposed = view.type === "WebApplication";
    byName.set(name, {
      name,
      type,
      port: declared.port,
      basePath: "",
      visibilities: exposed && routable(type) ? ["Project", "Public"] : ["Project"],
      apiClassName: undefined,
      exposed,
    });
  }
  for (const [name, api] of sortedEntries(view.apis)) {
    const workloadEndpoint = byName.get(name);
    const type = endpointType(api.type) ?? workloadEndpoint?.type;
    const port = api.rest?.backend?.port ?? workloadEndpoint?.port;
    if (!type || !validPort(port)) {
      problems.push(renderError("EndpointInvalid", `API "${name}" needs a known type and a backend port, or a workload endpoint of the same name`));
      continue;
    }
    const levels = api.rest?.exposeLevels ?? [];
    const wanted = (["Organization", "Public"] as const).filter((v) => levels.includes(v));
    if (!routable(type) && wanted.length > 0) {
      problems.push(renderWarning("EndpointNotRoutable", `API "${name}" is ${type}: gateways route HTTP and gRPC only, so it stays within its project`));
    }
    byName.set(name, {
      name,
      type,
      port,
      basePath: urlPath(api.rest?.backend?.basePath ?? ""),
      visibilities: ["Project", ...(routable(type) ? wanted : [])],
      apiClassName: api.className || "default",
      exposed: true,
    });
  }
  return { endpoints: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)), problems };
}

function routable(type: EndpointType): boolean {
  return isHttpFamily(type) || type === "gRPC";
}

/** A declared type, matched without regard to case; undefined when unknown. */
export function endpointType(type: string | undefined): EndpointType | undefined {
  return endpointTypes.find((t) => t.toLowerCase() === type?.toLowerCase());
}

/** A TCP or UDP port: an integer from 1 to 65535. */
export function validPort(port: number | undefined): port is number {
  return port !== undefined && Number.isInteger(port) && port >= 1 && port <= 65535;
}

