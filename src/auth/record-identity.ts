import { isJsonObject, type JsonObject } from "../model/index.js";

/** Who asked for a build (TriggerBuild or a Build written through the API); set by the server. */
export const requestedByAnnotation = "openchoreo.dev/requested-by";

/**
 * Writes the authenticated subject where objects record who acted, over whatever the request said:
 * a Promotion's requester (its approvals come only through Approve and Reject), a Build's requester,
 * a grant's granter, a token's creator. `stored` is the object before an update.
 */
export function recordIdentity(kind: string, desired: JsonObject, stored: JsonObject | undefined, subject: string): JsonObject {
  const spec = isJsonObject(desired.spec) ? { ...desired.spec } : {};
  const before = stored && isJsonObject(stored.spec) ? stored.spec : undefined;
  switch (kind) {
    case "Promotion":
      spec.requestedBy = before ? (before.requestedBy ?? subject) : subject;
      if (before?.approvals !== undefined) spec.approvals = before.approvals;
      else delete spec.approvals;
      return { ...desired, spec };
    case "AuthzRoleBinding":
    case "AuthzClusterRoleBinding":
      return { ...desired, spec: { ...spec, grantedBy: subject } };
    case "ApiToken":
      return { ...desired, spec: { ...spec, createdBy: before?.createdBy ?? subject } };
    case "Build": {
      const meta = isJsonObject(desired.metadata) ? { ...desired.metadata } : {};
      const storedMeta = stored && isJsonObject(stored.metadata) ? stored.metadata : {};
      const storedAnnotations = isJsonObject(storedMeta.annotations) ? storedMeta.annotations : {};
      const requester = stored ? (storedAnnotations[requestedByAnnotation] ?? subject) : subject;
      meta.annotations = { ...(isJsonObject(meta.annotations) ? meta.annotations : {}), [requestedByAnnotation]: requester };
      return { ...desired, metadata: meta };
    }
    default:
      return desired;
  }
}
