import type { JsonObject } from "../model/index.js";
import { cellTrafficPolicy } from "./cell-traffic-policy.js";
import type { DataPlaneSettings } from "./data-plane-settings.js";
import { cellNamespace } from "./names.js";
import { renderNetworkPolicy } from "./network-policy.js";
import { objectMeta } from "./object-meta.js";
import type { RenderProblem } from "./render-problem.js";
import type { CellScope } from "./scope.js";

export interface CellRenderInput extends CellScope {
  readonly settings: DataPlaneSettings;
}

export interface CellRender {
  /** The cell's Namespace and its baseline network policy: the cell Release's objects. */
  readonly manifests: JsonObject[];
  readonly problems: RenderProblem[];
}

/** A cell (one project in one environment): its namespace and the network policy every pod in it starts from. */
export function renderCell(input: CellRenderInput): CellRender {
  const scope: CellScope = { organization: input.organization, project: input.project, environment: input.environment };
  const namespace: JsonObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: objectMeta(cellNamespace(scope.organization, scope.project, scope.environment), "", scope),
  };
  const policy = renderNetworkPolicy(cellTrafficPolicy(scope, input.settings), input.settings);
  return { manifests: [namespace, policy.manifest], problems: policy.problems };
}
