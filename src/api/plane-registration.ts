import { create, type DescMethodUnary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { LiveObjectSchema } from "../../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import { InvalidSpecError } from "../errors/index.js";
import { BuildPlaneService } from "../../gen/openchoreo/api/v1alpha1/build_plane_service_pb.js";
import { DataPlaneService } from "../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { agentCommand, type PlaneAgentHub, type PlaneKind, type PlaneRef, type SessionForwarding } from "../planes/index.js";

interface PlaneRequest {
  readonly namespace: string;
  readonly name: string;
}

function planeOf(kind: PlaneKind, request: PlaneRequest): PlaneRef {
  if (!request.name) throw new InvalidSpecError([{ path: "name", message: "required" }]);
  return { kind, namespace: request.namespace || "default", name: request.name };
}

/**
 * Register, Rotate, Revoke and ListObjects of DataPlaneService or BuildPlaneService, named as that
 * service names them; the credentials and the live objects are the hub's business.
 */
export function planeRegistrationMethods(kind: PlaneKind, hub: PlaneAgentHub, forwarding?: SessionForwarding): Record<string, unknown> {
  const listObjects = async (request: PlaneRequest & { kind: string; objectNamespace: string }) => {
    const live = await hub.liveObjects(planeOf(kind, request), { kind: request.kind, namespace: request.objectNamespace });
    return {
      agentConnected: live.agentConnected,
      objects: live.objects.map((o) =>
        create(LiveObjectSchema, {
          object: o.object,
          release: o.releaseId,
          health: o.health,
          observedTime: o.observedMs === undefined ? undefined : timestampFromMs(o.observedMs),
        }),
      ),
    };
  };
  // The agent answers only on the replica holding its session: the call goes there.
  const listMethod = kind === "DataPlane" ? DataPlaneService.method.listDataPlaneObjects : BuildPlaneService.method.listBuildPlaneObjects;
  return {
    [`register${kind}`]: async (request: PlaneRequest & { replace: boolean; gracePeriodSeconds: number }, context: HandlerContext) => {
      const plane = planeOf(kind, request);
      const { token, credentialName } = await hub.credentials.register(plane, { replace: request.replace, gracePeriodSeconds: request.gracePeriodSeconds });
      return { credential: token, credentialName, agentCommand: agentCommand(plane, new URL(context.url).origin) };
    },
    [`rotate${kind}Credential`]: async (request: PlaneRequest & { gracePeriodSeconds: number }) => {
      const { token, previousExpiresAtMs } = await hub.credentials.rotate(planeOf(kind, request), request.gracePeriodSeconds);
      return { credential: token, previousExpiresAt: timestampFromMs(previousExpiresAtMs) };
    },
    [`revoke${kind}Credential`]: async (request: PlaneRequest) => {
      await hub.credentials.revoke(planeOf(kind, request));
      return {};
    },
    [`list${kind}Objects`]: forwarding ? forwarding.unary(listMethod as DescMethodUnary, (request) => planeOf(kind, request as never), listObjects as never) : listObjects,
  };
}
