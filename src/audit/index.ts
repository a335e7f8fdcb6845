export { createAuditTrail, type AuditTrail, type AuditTrailDeps } from "./create-audit-trail.js";
export { createAuditedStore } from "./create-audited-store.js";
export { auditTargets, type AuditTarget } from "./audit-targets.js";
export { redactDetail } from "./redact-detail.js";
export { createAuditService } from "./audit-service.js";
