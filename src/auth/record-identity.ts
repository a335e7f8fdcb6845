import { isJsonObject, requestedByAnnotation, type JsonObject } from "../model/index.js";

/**
 * Writes the authenticated subject where objects record who acted, over whatever the request said:
 * a Promotion's requester (its approvals come only through Approve and Reject), a Build's requester,
 * a Workload's last writer (the change a new artifact deploys), a grant's granter, a token's creator.
 * `stored` is the object before an update.
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
      const storedMeta = stored && isJsonObject(stored.metadata) ? stored.metadata : {};
      const storedAnnotations = isJsonObject(storedMeta.annotations) ? storedMeta.annotations : {};
      return withRequester(desired, stored ? String(storedAnnotations[requestedByAnnotation] ?? subject) : subject);
    }
    case "Workload":
      // Every write is a new change to deploy, so its requester is whoever wrote last.
      return withRequester(desired, subject);
    default:
      return desired;
  }
}

function withRequester(desired: JsonObject, requester: string): JsonObject {
  const meta = isJsonObject(desired.metadata) ? { ...desired.metadata } : {};
  meta.annotations = { ...(isJsonObject(meta.annotations) ? meta.annotations : {}), [requestedByAnnotation]: requester };
  return { ...desired, metadata: meta };
}
