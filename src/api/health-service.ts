import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
} from "../../gen/health/v1/health_pb.js";
import { NotFoundError } from "../errors/index.js";
import type { HealthStatus } from "./health-status.js";

/** grpc.health.v1.Health over a HealthStatus, per https://github.com/grpc/grpc/blob/master/doc/health-checking.md */
export function createHealthService(health: HealthStatus): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const status = health.get(req.service);
      // The spec asks Check for NOT_FOUND on an unknown service (Watch answers SERVICE_UNKNOWN instead).
      if (status === undefined) throw new NotFoundError(`unknown service ${JSON.stringify(req.service)}`);
      return create(HealthCheckResponseSchema, { status });
    },
    async *watch(req, ctx) {
      for await (const status of health.watch(req.service, ctx.signal)) {
        yield create(HealthCheckResponseSchema, { status });
      }
    },
    list() {
      const statuses = Object.fromEntries(
        [...health.list()].map(([service, status]) => [service, create(HealthCheckResponseSchema, { status })]),
      );
      return create(HealthListResponseSchema, { statuses });
    },
  };
}
