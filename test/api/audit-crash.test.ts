import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/openchoreo/api/v1alpha1/audit_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { spawnServer, waitForListening, type SpawnedServer } from "../serving/support/spawn-server.js";
import { bearer } from "../support/test-tokens.js";

const dir = mkdtempSync(join(tmpdir(), "audit-crash-"));
const running: SpawnedServer[] = [];
afterAll(() => {
  for (const server of running) server.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const server = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: join(dir, "data"), CHOREO_LOG_LEVEL: "warn", CHOREO_EMBEDDED_AGENTS: "0" });
  running.push(server);
  const { url } = await waitForListening(server, 60_000);
  const token = readFileSync(join(dir, "data", "admin.token"), "utf8").trim();
  const transport = createGrpcTransport({ baseUrl: url, interceptors: [bearer(token) as never] });
  return { server, resources: createClient(ResourceService, transport), audit: createClient(AuditService, transport) };
}

const project = (name: string) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: ${name}\nspec:\n  deploymentPipelineRef: default-pipeline\n`;

describe("audit durability", () => {
  // Two server starts (each loads the generated code under tsx) on a shared, busy machine.
  it("a server SIGKILLed while applying loses no audit record of a change it acknowledged", { timeout: 180_000 }, async () => {
    const first = await start();
    const acknowledged: string[] = [];
    let stop = false;
    let failure: unknown;
    // Four writers keep applying until the kill; whatever was acknowledged must have its record.
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const requestId = `crash-${w}-${i}`;
        try {
          await first.resources.apply({ manifests: project(`p-${w}-${i}`) }, { headers: { "x-request-id": requestId } });
          acknowledged.push(requestId);
        } catch (err) {
          if (!stop) failure ??= err;
          return;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acknowledged.length < 40 && failure === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    if (failure !== undefined) throw failure;
    first.server.child.kill("SIGKILL");
    stop = true;
    await first.server.exited;
    await Promise.all(writers);

    const second = await start();
    const seen = new Map<string, string>();
    let pageToken = "";
    do {
      const page = await second.audit.listAuditRecords({ subject: "token:admin", pageSize: 1000, pageToken });
      for (const r of page.records) if (r.requestId.startsWith("crash-")) seen.set(r.requestId, `${r.kind}/${r.name} ${r.code}`);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(acknowledged.length).toBeGreaterThanOrEqual(40);
    for (const id of acknowledged) {
      const [, w, i] = id.split("-");
      expect(seen.get(id), id).toBe(`Project/p-${w}-${i} ok`);
    }
    // And no record claims a change that did not survive: every recorded project exists.
    const projects = new Set((await second.resources.list({ kind: "Project", namespace: "default" })).items.map((p) => (p.metadata as { name: string }).name));
    for (const [id, what] of seen) expect(projects.has(what.split(" ")[0]!.slice("Project/".length)), id).toBe(true);
  });
});
