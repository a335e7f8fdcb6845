// The real entry point (what `npm start` runs) with CHOREO_INSECURE_IDENTITY and CHOREO_ROLES_FILE:
// the configuration reaches the identity interceptor and PromotionService's approval checks.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { PromotionService } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../serving/support/spawn-server.js";
import { codeOf } from "../support/code-of.js";

const dirs: string[] = [];
const servers: SpawnedServer[] = [];
const sessions: Http2SessionManager[] = [];
afterAll(async () => {
  for (const session of sessions) session.abort();
  for (const server of servers) {
    server.child.kill("SIGTERM");
    await server.exited;
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "choreo-identity-"));
  dirs.push(dir);
  writeFileSync(join(dir, "roles.yaml"), "default:\n  approver: [carol]\n  viewer: [victor]\n");
  const server = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: join(dir, "data"), CHOREO_LOG_LEVEL: "warn", CHOREO_ROLES_FILE: join(dir, "roles.yaml"), ...env });
  servers.push(server);
  return (await waitForListening(server, 30_000)).url;
}

function clients(url: string, as?: string) {
  const sessionManager = new Http2SessionManager(url);
  sessions.push(sessionManager);
  const transport = createGrpcTransport({
    baseUrl: url,
    sessionManager,
    interceptors: [(next) => (req) => {
      if (as) req.header.set("x-choreo-identity", as);
      return next(req);
    }],
  });
  return { promotions: createClient(PromotionService, transport), resources: createClient(ResourceService, transport) };
}

const component = `apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata: {name: greeter}
spec: {owner: {projectName: default}, type: Service}
`;

/**
 * A promotion to decide on. Without a plane agent it fails soon (nothing is deployed in development),
 * but who may decide is checked before whether there is anything left to decide.
 */
async function promotionOn(url: string, requester: string, recorded = requester): Promise<string> {
  const { resources, promotions } = clients(url, requester);
  for (let attempt = 0; ; attempt++) {
    try {
      await resources.apply({ manifests: component });
      break;
    } catch (err) {
      // The embedded organization's project appears shortly after start.
      if (attempt > 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const { promotion } = await promotions.promote({ componentName: "greeter", sourceEnvironment: "development", targetEnvironment: "staging" });
  expect(promotion?.spec?.requestedBy).toBe(recorded);
  return promotion!.metadata!.name;
}

describe("identities and roles from the configuration", () => {
  it("honours the identity header with CHOREO_INSECURE_IDENTITY=1 and checks roles from CHOREO_ROLES_FILE", async () => {
    const url = await start({ CHOREO_INSECURE_IDENTITY: "1" });
    const name = await promotionOn(url, "alice");
    expect(await codeOf(clients(url, "victor").promotions.approve({ name }))).toEqual({
      code: Code.PermissionDenied,
      message: '"victor" does not hold the approver role in organization "default" (holds viewer)',
    });
    // carol holds the approver role: she gets past the identity and role checks to the phase check.
    const carol = await clients(url, "carol").promotions.approve({ name }).then(() => undefined, (e: unknown) => ConnectError.from(e));
    if (carol) expect(carol.code).toBe(Code.FailedPrecondition);
  });

  it("treats every request as anonymous without it, and refuses approvals", async () => {
    const url = await start({});
    const name = await promotionOn(url, "carol", "system:anonymous");
    const refused = await codeOf(clients(url, "carol").promotions.approve({ name }));
    expect(refused.code).toBe(Code.PermissionDenied);
    expect(refused.message).toMatch(/^approving needs a principal: .*CHOREO_INSECURE_IDENTITY=1/);
  });
});
