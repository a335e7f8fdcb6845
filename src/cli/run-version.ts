import { HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.js";
import type { CommandContext } from "./command-spec.js";
import { clientVersion } from "./client-version.js";

/**
 * `version`: the client's version, then the server's answer. The API has no call that returns the
 * server's version, so this says the server is reachable and how healthy it is, and no more.
 */
export async function runVersion(ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  io.stdout.write(`Client: choreoctl ${await clientVersion()} (Node.js ${process.version})\n`);
  const target = await ctx.target();
  const api = await ctx.api();
  const { status } = await api.health.check({ service: "" }, { signal: io.signal, timeoutMs: 10_000 });
  io.stdout.write(
    `Server: ${target.server} reachable, health ${HealthCheckResponse_ServingStatus[status] ?? status}; version not reported (the API has no version call)\n`,
  );
  return 0;
}
