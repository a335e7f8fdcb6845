import { BuildSchema } from "../../gen/openchoreo/model/v1alpha1/build_pb.js";
import type { Reader } from "../core/index.js";
import type { ResourceObject } from "../store/index.js";
import { simulationOf, type Simulation } from "./conditions.js";
import { ownerComponentIndex, ownerOf } from "./references/reference-controller.js";

/**
 * Whether an object deploys an image that only a simulated build made (its build plane reported
 * pushing an image that exists nowhere): a Build of the same component whose image is one the
 * object's workload runs and whose status says Simulated. Builds are found by the component's
 * index, so this costs one indexed read of the cache.
 */
export async function simulatedBuildOf(reader: Reader, object: ResourceObject): Promise<Simulation | undefined> {
  const containers = (object.spec as { workloadSpec?: { containers?: Record<string, { image?: string }> } } | undefined)?.workloadSpec?.containers ?? {};
  const images = new Set(Object.values(containers).map((c) => c.image ?? "").filter(Boolean));
  const component = ownerOf(object)?.componentName;
  if (images.size === 0 || !component) return undefined;
  const builds = await reader.list(BuildSchema, { namespace: object.metadata?.namespace ?? "", field: { index: ownerComponentIndex, value: component } });
  for (const build of builds) {
    const image = build.status?.imageStatus?.image ?? "";
    const simulation = images.has(image) ? simulationOf(build) : undefined;
    if (simulation) return { reason: "SimulatedBuild", message: `image ${image} comes from Build "${build.metadata?.name}", which was simulated: ${simulation.message}` };
  }
  return undefined;
}
