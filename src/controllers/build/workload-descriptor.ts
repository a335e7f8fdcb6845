import { isJsonObject, type JsonObject } from "../../model/index.js";

/** The Workload spec parts a build decides: containers, endpoints, connections. */
export interface WorkloadParts {
  readonly containers: JsonObject;
  readonly endpoints: JsonObject;
  readonly connections: JsonObject;
}

/**
 * The workload-create step's output (OpenChoreo's workload descriptor as JSON) as Workload spec
 * parts. Without a descriptor the image alone makes the one container "main". The shapes are
 * checked here; field rules (ports, endpoint types) are the Workload kind's, checked on write.
 * Returns the problems, each naming its place in the output, when the output cannot be used.
 */
export function workloadParts(descriptor: string | undefined, image: string, fallbackEndpoints: JsonObject): WorkloadParts | { problems: string[] } {
  if (descriptor === undefined || descriptor.trim() === "") return { containers: { main: { image } }, endpoints: fallbackEndpoints, connections: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(descriptor);
  } catch (err) {
    return { problems: [`not JSON: ${(err as Error).message}`] };
  }
  if (!isJsonObject(parsed)) return { problems: ["must be a JSON object with containers"] };
  const problems: string[] = [];
  const mapAt = (field: string): JsonObject => {
    const value = parsed[field];
    if (value === undefined || value === null) return {};
    if (!isJsonObject(value)) {
      problems.push(`${field}: must be an object keyed by name`);
      return {};
    }
    return value;
  };
  const containers = mapAt("containers");
  const endpoints = mapAt("endpoints");
  const connections = mapAt("connections");
  if (Object.keys(containers).length === 0 && !problems.length) problems.push("containers: at least one container is required");
  for (const [name, container] of Object.entries(containers)) {
    if (!isJsonObject(container)) problems.push(`containers.${name}: must be an object`);
    else if (typeof container.image !== "string" || container.image === "") problems.push(`containers.${name}.image: required`);
  }
  for (const field of Object.keys(parsed)) {
    if (!["containers", "endpoints", "connections", "apiVersion", "kind", "metadata"].includes(field)) problems.push(`${field}: unknown field (expected containers, endpoints, connections)`);
  }
  if (problems.length > 0) return { problems };
  return { containers, endpoints: Object.keys(endpoints).length > 0 ? endpoints : fallbackEndpoints, connections };
}
