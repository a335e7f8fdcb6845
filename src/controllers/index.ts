import type { Clock, ControllerDefinition } from "../core/index.js";
import type { KindRegistry } from "../model/index.js";
import type { ResourceStore } from "../store/index.js";
import { bindingControllers } from "./binding/controller.js";
import { buildControllers } from "./build/index.js";
import { cellController } from "./cell/controller.js";
import { componentController } from "./component/controller.js";
import { endpointController } from "./endpoint/controller.js";
import type { EventRecorder } from "./event-recorder.js";
import { organizationController } from "./organization/controller.js";
import { createRoleTable, defaultPromotionTtlMs, promotionController, type RoleTable } from "./promotion/index.js";
import { referenceDeclarations } from "./references/declarations.js";
import { referenceController } from "./references/reference-controller.js";
import { releaseController } from "./release/controller.js";

export { createEventRecorder, type EventRecorder, type EventType } from "./event-recorder.js";
export { organizationDefaults } from "./organization/defaults.js";
export { autoDeployAnnotation } from "./component/reconcile.js";
export { buildReleaseName, buildTemplatesReleaseName, cancelRequestedAnnotation, defaultBuildTimeoutMs, organizationBuildPlane } from "./build/index.js";

export interface PlatformControllerDeps {
  readonly store: ResourceStore;
  readonly registry: KindRegistry;
  readonly clock: Clock;
  readonly events: EventRecorder;
  /** Who may approve promotions; nobody when absent. */
  readonly roles?: RoleTable;
  readonly promotionTtlMs?: number;
  /** How long a build may go without news from its build plane; 1 h when absent. */
  readonly buildTimeoutMs?: number;
}

/** Every controller of the platform and application model, for a manager to run. */
export function platformControllers(deps: PlatformControllerDeps): ControllerDefinition[] {
  return [
    organizationController(deps),
    componentController(deps),
    promotionController({ ...deps, roles: deps.roles ?? createRoleTable({}), ttlMs: deps.promotionTtlMs ?? defaultPromotionTtlMs }),
    ...bindingControllers(deps),
    cellController(),
    releaseController(deps),
    endpointController(deps),
    ...buildControllers(deps),
    ...referenceDeclarations.map((declaration) => referenceController(declaration, deps)),
  ];
}
