export { createRpcHandler, type RpcHandlerOptions } from "./create-rpc-handler.js";
export { createPrefaceRouter, type PrefaceRouterOptions, type WireProtocol } from "./create-preface-router.js";
export { createConnectionTracker, type ConnectionTracker } from "./connection-tracker.js";
export { createErrorBoundary } from "./error-boundary.js";
export { toConnectError } from "./to-connect-error.js";
export { createRpcObserver } from "./rpc-observer.js";
export { createRpcMetrics, type RpcMetrics } from "./rpc-metrics.js";
export { requestIdHeader, requestIdKey, resolveRequestId } from "./request-id.js";
export { createCors, type Cors } from "./create-cors.js";
