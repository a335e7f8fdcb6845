import type { Clock, ControllerDefinition } from "../core/index.js";
import type { KindRegistry } from "../model/index.js";
import type { ResourceStore } from "../store/index.js";
import { componentController } from "./component/controller.js";
import type { EventRecorder } from "./event-recorder.js";
import { organizationController } from "./organization/controller.js";
import { referenceDeclarations } from "./references/declarations.js";
import { referenceController } from "./references/reference-controller.js";

export { createEventRecorder, type EventRecorder, type EventType } from "./event-recorder.js";
export { organizationDefaults } from "./organization/defaults.js";
export { autoDeployAnnotation } from "./component/reconcile.js";

export interface PlatformControllerDeps {
  readonly store: ResourceStore;
  readonly registry: KindRegistry;
  readonly clock: Clock;
  readonly events: EventRecorder;
}

/** Every controller of the platform and application model, for a manager to run. */
export function platformControllers(deps: PlatformControllerDeps): ControllerDefinition[] {
  return [
    organizationController(deps),
    componentController(deps),
    ...referenceDeclarations.map((declaration) => referenceController(declaration, deps)),
  ];
}
