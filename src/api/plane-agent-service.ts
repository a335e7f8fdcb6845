import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { PlaneAgentService } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { isHeartbeatTimeoutError, isSessionReplacedError, isUnauthenticatedError, type PlaneAgentHub } from "../planes/index.js";

/** The agents' stream: the bearer token is the only identity; the hub does the rest. */
export function createPlaneAgentService(hub: PlaneAgentHub): ServiceImpl<typeof PlaneAgentService> {
  return {
    async *connect(requests, context) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(context.requestHeader.get("authorization") ?? "")?.[1];
      try {
        for await (const message of hub.connect(token, requests, context.signal)) yield message;
      } catch (err) {
        throw planeWireError(err);
      }
    },
  };
}

/** The session's own reasons for ending, as wire codes; anything else goes on to the error boundary. */
function planeWireError(err: unknown): unknown {
  if (isUnauthenticatedError(err)) return new ConnectError(err.message, Code.Unauthenticated);
  if (isSessionReplacedError(err)) return new ConnectError(err.message, Code.Aborted);
  if (isHeartbeatTimeoutError(err)) return new ConnectError(err.message, Code.DeadlineExceeded);
  return err;
}
