import { FailedPreconditionError, NotFoundError } from "../../errors/index.js";
import type { JsonObject } from "../../model/index.js";
import { cellNamespace, renderCell, type RenderProblem } from "../../render/index.js";
import type { ObjectKey, ResourceStore } from "../../store/index.js";
import { storeReader } from "../store-reader.js";
import { componentBindingIn, isEnvironmentUnavailable, readEnvironmentInputs } from "./environment-inputs.js";

export interface RenderedRelease {
  readonly name: string;
  readonly objects: JsonObject[];
}

export interface EnvironmentRender {
  readonly releases: RenderedRelease[];
  readonly problems: RenderProblem[];
}

/**
 * What one environment receives for one component: the Release of its Binding and the cell
 * Release of its project, rendered from what the store holds now, exactly as the binding and cell
 * controllers render them.
 */
export async function renderComponentEnvironment(store: ResourceStore, key: ObjectKey, environmentName: string): Promise<EnvironmentRender> {
  const { namespace } = key;
  const reader = storeReader(store);
  const inputs = await readEnvironmentInputs(reader, namespace, environmentName);
  if (isEnvironmentUnavailable(inputs)) {
    if (inputs.reason === "EnvironmentNotFound") throw new NotFoundError(inputs.message);
    throw new FailedPreconditionError(inputs.message);
  }
  const target = await componentBindingIn(reader, namespace, environmentName, key.name);
  if (!target) throw new NotFoundError(`component "${key.name}" has no binding in environment "${environmentName}"`);
  const rendered = await inputs.render(target);
  const project = target.spec?.owner?.projectName ?? "";
  const cell = renderCell({ organization: namespace, project, environment: environmentName, settings: inputs.settings });
  return {
    releases: [
      { name: target.metadata?.name ?? "", objects: rendered.manifests },
      { name: cellNamespace(namespace, project, environmentName), objects: cell.manifests },
    ],
    problems: [...rendered.problems, ...cell.problems],
  };
}
