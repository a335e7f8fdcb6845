/** Labels the platform sets on the objects it creates, so parents and children find each other. */
export const labels = {
  organization: "openchoreo.dev/organization",
  project: "openchoreo.dev/project",
  component: "openchoreo.dev/component",
  environment: "openchoreo.dev/environment",
  managedBy: "openchoreo.dev/managed-by",
  /** On a Release: the plane that receives it ("DataPlane" or "BuildPlane", and its name in the same namespace). */
  planeKind: "openchoreo.dev/plane-kind",
  planeName: "openchoreo.dev/plane-name",
  /** On an Event: the kind and name of the object it is about (events live in that object's namespace). */
  involvedKind: "events.openchoreo.dev/involved-kind",
  involvedName: "events.openchoreo.dev/involved-name",
} as const;

/**
 * Who asked for a change the platform carries on: set by the server from the authenticated caller on
 * Builds and Workloads written through the API, copied by the build controller onto the Workload it
 * writes, and recorded in the Binding revision that deploys it.
 */
export const requestedByAnnotation = "openchoreo.dev/requested-by";
