// ResourceService.WatchMany on the real server: several kinds on one stream (what the web console
// holds, since a browser has about six HTTP/1.1 connections per origin), each event tagged with its
// watch; bad input is refused naming the field; every kind watched needs its read permission, and
// objects of other organizations never show.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResourceService, type WatchManyResponse } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { WatchEventType } from "../../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import { TokenService } from "../../gen/openchoreo/api/v1alpha1/token_service_pb.js";
import { startControlPlane, type ControlPlane } from "../../src/main/control-plane.js";
import { startServer, type RunningServer } from "../../src/main/index.js";
import { adminTokenOf, bearer } from "../support/test-tokens.js";

let dataDir: string;
let plane: ControlPlane;
let server: RunningServer;
let admin: Client<typeof ResourceService>;
let viewer: Client<typeof ResourceService>;

// Connect over HTTP/1.1: how the browser calls it.
const resourcesAs = (token: string) => createClient(ResourceService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors: [bearer(token)] }));

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "choreo-watch-many-"));
  const logger = pino({ level: "silent" });
  const metrics = new Registry();
  plane = await startControlPlane({ dataDir }, { logger, metrics });
  server = await startServer({ host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 * 1024 * 1024, shutdownGraceMs: 500, corsOrigins: [] }, { logger, metrics, resources: plane });
  const adminToken = adminTokenOf(dataDir);
  admin = resourcesAs(adminToken);
  await admin.apply({ manifests: ["acme", "globex"].map((org) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Organization\nmetadata: {name: ${org}}\n`).join("---\n") });
  const tokens = createClient(TokenService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors: [bearer(adminToken)] }));
  viewer = resourcesAs((await tokens.createToken({ name: "acme-viewer", organization: "acme", role: "viewer" })).token);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await plane?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const project = (org: string, name: string) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: ${name}, namespace: ${org}}\nspec: {deploymentPipelineRef: default-pipeline}\n`;
const environment = (org: string, name: string) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Environment\nmetadata: {name: ${name}, namespace: ${org}}\nspec: {dataPlaneRef: default}\n`;
const nameOf = (r: WatchManyResponse) => String((r.object?.metadata as { name?: string } | undefined)?.name ?? "");

/** Reads the stream until `until` holds for what arrived, then ends it. */
async function collect(stream: AsyncIterable<WatchManyResponse>, controller: AbortController, until: (seen: WatchManyResponse[]) => boolean): Promise<WatchManyResponse[]> {
  const seen: WatchManyResponse[] = [];
  const timer = setTimeout(() => controller.abort(), 15_000);
  try {
    for await (const r of stream) {
      seen.push(r);
      if (until(seen)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return seen;
}

describe("ResourceService.WatchMany", () => {
  it("carries several kinds on one stream: each watch lists, marks the end of its listing, then streams its changes", async () => {
    await admin.apply({ manifests: project("acme", "shop") });
    const controller = new AbortController();
    const stream = admin.watchMany(
      { watches: [{ kind: "Project", namespace: "acme" }, { kind: "Environment", namespace: "acme", labelSelector: "tier=edge" }] },
      { signal: controller.signal },
    );
    let applied = false;
    const seen = await collect(stream, controller, (s) => {
      const bookmarks = s.filter((r) => r.type === WatchEventType.BOOKMARK).length;
      if (bookmarks === 2 && !applied) {
        applied = true;
        void admin.apply({ manifests: `${environment("acme", "plain")}---\n${environment("acme", "edge").replace("name: edge,", "name: edge, labels: {tier: edge},")}---\n${project("acme", "blog")}` });
      }
      return s.some((r) => r.watch === 0 && nameOf(r) === "blog") && s.some((r) => r.watch === 1 && nameOf(r) === "edge");
    });
    const listed = seen.slice(0, seen.findLastIndex((r) => r.type === WatchEventType.BOOKMARK) + 1);
    expect(listed.filter((r) => r.type === WatchEventType.ADDED).map((r) => [r.watch, nameOf(r)])).toEqual([[0, "shop"]]);
    expect(listed.filter((r) => r.type === WatchEventType.BOOKMARK).map((r) => r.watch).sort()).toEqual([0, 1]);
    const changes = seen.slice(listed.length).filter((r) => r.type === WatchEventType.ADDED);
    expect(changes.map((r) => [r.watch, nameOf(r)]).sort()).toEqual([[0, "blog"], [1, "edge"]]);
    // The label selector kept the unlabelled environment out of watch 1.
    expect(seen.some((r) => nameOf(r) === "plain")).toBe(false);
  });

  it("refuses bad input with invalid_argument naming the field", async () => {
    const first = async (request: Parameters<typeof admin.watchMany>[0]) => {
      for await (const _ of admin.watchMany(request)) break;
    };
    await expect(first({ watches: [] })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining("watches") });
    await expect(first({ watches: [{ kind: "Project", namespace: "acme" }, { kind: "Nonsense" }] })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: expect.stringContaining("watches[1].kind"),
    });
    await expect(first({ watches: Array.from({ length: 33 }, () => ({ kind: "Project", namespace: "acme" })) })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("needs read permission for every kind watched: an acme viewer may watch acme, not globex, and not acme's grants", async () => {
    const first = async (client: Client<typeof ResourceService>, watches: { kind: string; namespace?: string; allNamespaces?: boolean }[]) => {
      for await (const r of client.watchMany({ watches })) return r;
    };
    expect((await first(viewer, [{ kind: "Project", namespace: "acme" }]))?.type).toBeDefined();
    for (const watches of [
      [{ kind: "Project", namespace: "acme" }, { kind: "Project", namespace: "globex" }],
      [{ kind: "Project", namespace: "acme" }, { kind: "AuthzRoleBinding", namespace: "acme" }],
    ]) {
      const refused = await first(viewer, watches).then(
        () => undefined,
        (err: unknown) => ConnectError.from(err),
      );
      expect(refused?.code, JSON.stringify(watches)).toBe(Code.PermissionDenied);
    }
  });

  it("across organizations shows only what the caller may read", async () => {
    await admin.apply({ manifests: project("globex", "secret-plans") });
    const controller = new AbortController();
    const seen = await collect(viewer.watchMany({ watches: [{ kind: "Project", allNamespaces: true }] }, { signal: controller.signal }), controller, (s) =>
      s.some((r) => r.type === WatchEventType.BOOKMARK),
    );
    const names = seen.filter((r) => r.type === WatchEventType.ADDED).map(nameOf);
    expect(names).toContain("shop");
    expect(names).not.toContain("secret-plans");
  });
});
