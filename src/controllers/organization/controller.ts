import { OrganizationSchema } from "../../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { controllerFor, generationChanged, type ControllerDefinition } from "../../core/index.js";
import { createOrganizationReconciler, type OrganizationReconcilerDeps } from "./reconcile.js";

export function organizationController(deps: OrganizationReconcilerDeps): ControllerDefinition {
  return controllerFor(OrganizationSchema).withPredicate(generationChanged).build(createOrganizationReconciler(deps));
}
