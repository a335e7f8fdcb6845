// A control plane as `npm start` builds it (SQLite in a temporary directory, controllers, the real
// server on a free port), with agent settings small enough for tests, and a helper to write planes
// and Releases straight into its store.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Registry } from "prom-client";
import { BuildPlaneService } from "../../../gen/openchoreo/api/v1alpha1/build_plane_service_pb.js";
import { DataPlaneService } from "../../../gen/openchoreo/api/v1alpha1/data_plane_service_pb.js";
import { BuildPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { ReleaseSchema, type Release } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { startServer, type AgentConfig, type RunningServer } from "../../../src/main/index.js";
import { startControlPlane, type ControlPlane } from "../../../src/main/control-plane.js";
import { labels, type JsonObject } from "../../../src/model/index.js";
import { captureLogger } from "../../support/capture-logger.js";
import { bearer } from "../../support/test-tokens.js";

export interface PlaneHarness {
  readonly plane: ControlPlane;
  readonly server: RunningServer;
  readonly url: string;
  /** The platform admin's token, for clients of the harness's server. */
  readonly adminToken: string;
  readonly dataPlanes: Client<typeof DataPlaneService>;
  readonly buildPlanes: Client<typeof BuildPlaneService>;
  readonly logs: Record<string, unknown>[];
  createDataPlane(name: string, namespace?: string): Promise<void>;
  createBuildPlane(name: string, namespace?: string): Promise<void>;
  /** Registers a plane (through the API) and returns its token. */
  register(kind: "DataPlane" | "BuildPlane", name: string, namespace?: string): Promise<string>;
  /** Creates or replaces a Release for a plane, with these objects (id = index). */
  putRelease(name: string, plane: string, objects: JsonObject[], options?: { namespace?: string; kind?: "DataPlane" | "BuildPlane" }): Promise<Release>;
  getRelease(name: string, namespace?: string): Promise<Release>;
  stop(): Promise<void>;
}

export const testAgentSettings: AgentConfig = { heartbeatMs: 400, timeoutMs: 1500, maxInFlight: 8, maxMessageBytes: 64 * 1024 };

const cluster = { name: "local", credentials: { apiServerUrl: "local://embedded", caCert: "", clientCert: "", clientKey: "" } };

export async function startPlaneHarness(agent: Partial<AgentConfig> = {}): Promise<PlaneHarness> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "planes-"));
  const { logger, lines } = captureLogger();
  const metrics = new Registry();
  const plane = await startControlPlane({ dataDir, agent: { ...testAgentSettings, ...agent } }, { logger, metrics });
  const server = await startServer(
    { host: "127.0.0.1", port: 0, tls: undefined, maxMessageBytes: 4 * 1024 * 1024, shutdownGraceMs: 1000, corsOrigins: [] },
    { logger, metrics, resources: plane },
  );
  // The platform admin's token the control plane wrote on its first start: plane registration is theirs.
  const adminToken = readFileSync(plane.adminTokenFile!, "utf8").trim();
  const transport = createGrpcTransport({ baseUrl: server.url, interceptors: [bearer(adminToken) as never] });
  const dataPlanes = createClient(DataPlaneService, transport);
  const buildPlanes = createClient(BuildPlaneService, transport);
  const { store } = plane;
  return {
    plane,
    server,
    url: server.url,
    adminToken,
    dataPlanes,
    buildPlanes,
    logs: lines,
    async createDataPlane(name, namespace = "default") {
      await store.create(
        DataPlaneSchema,
        create(DataPlaneSchema, {
          apiVersion: "openchoreo.dev/v1alpha1",
          kind: "DataPlane",
          metadata: { name, namespace },
          spec: { kubernetesCluster: cluster, gateway: { publicVirtualHost: "apps.localhost", organizationVirtualHost: "internal.localhost" }, registry: { prefix: "registry.localhost" } },
        }),
      );
    },
    async createBuildPlane(name, namespace = "default") {
      await store.create(
        BuildPlaneSchema,
        create(BuildPlaneSchema, { apiVersion: "openchoreo.dev/v1alpha1", kind: "BuildPlane", metadata: { name, namespace }, spec: { kubernetesCluster: cluster } }),
      );
    },
    async register(kind, name, namespace = "default") {
      const response = kind === "DataPlane" ? await dataPlanes.registerDataPlane({ namespace, name }) : await buildPlanes.registerBuildPlane({ namespace, name });
      return response.credential;
    },
    async putRelease(name, planeName, objects, options = {}) {
      const namespace = options.namespace ?? "default";
      const release = create(ReleaseSchema, {
        apiVersion: "openchoreo.dev/v1alpha1",
        kind: "Release",
        metadata: { name, namespace, labels: { [labels.planeKind]: options.kind ?? "DataPlane", [labels.planeName]: planeName } },
        spec: {
          environmentName: "development",
          owner: { projectName: "shop", componentName: name },
          interval: "5m",
          progressingInterval: "10s",
          resources: objects.map((object, index) => ({ id: `object-${index}`, object })),
        },
      });
      try {
        const existing = await store.get(ReleaseSchema, { namespace, name });
        existing.metadata!.labels = release.metadata!.labels;
        existing.spec = release.spec;
        return await store.update(ReleaseSchema, existing);
      } catch {
        return await store.create(ReleaseSchema, release);
      }
    },
    getRelease: (name, namespace = "default") => store.get(ReleaseSchema, { namespace, name }),
    async stop() {
      await server.close();
      await plane.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small Kubernetes object; `size` pads it to roughly that many bytes. */
export function configMap(name: string, value = "v", size = 0): JsonObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "shop-dev" }, data: { value, ...(size ? { padding: "x".repeat(size) } : {}) } };
}
