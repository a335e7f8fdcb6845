export { promotionController, defaultPromotionTtlMs } from "./controller.js";
export { createPromotionReconciler, type PromotionReconcilerDeps } from "./reconcile.js";
export { checkPromotionPath, type PathCheck } from "./promotion-path.js";
export { approvalRefusal, type ApprovalInput } from "./approval-refusal.js";
export { hasDeployed } from "./has-deployed.js";
export { createRoleTable, roleNames, type Role, type RoleAssignments, type RoleTable } from "./role-table.js";
