export { startKubeApiDouble, type KubeApiDouble, type KubeApiDoubleOptions } from "./kube-api-double.js";
export { type OtherControllers, type ObjectKey, type WorkflowNode } from "./other-controllers.js";
export { type RequestRecord } from "./router.js";
export { defaultResourceTypes, type ResourceType } from "./resource-catalog.js";
export { type HistoryWindow } from "./watch-hub.js";
