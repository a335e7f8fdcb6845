// Test support: a plane agent with the kubernetes driver, against the Kubernetes API double and a
// scripted control plane, both over real HTTP.
import { startScriptedControlPlane, type ScriptedControlPlane, type ScriptedControlPlaneOptions } from "../../src/agent/scripted-control-plane.js";
import { createKubernetesDriver, createPlaneAgent, createPlaneGuard, type PlaneAgent, type PlaneDriver, type PlaneGuardConfig } from "../../src/agent/index.js";
import type { JsonObject } from "../../src/model/json.js";
import { captureLogger } from "../support/capture-logger.js";
import { startKubeApiDouble, type KubeApiDouble } from "../kube-api-double/index.js";

export interface Harness {
  readonly double: KubeApiDouble;
  readonly cp: ScriptedControlPlane;
  /** An agent of a DataPlane with the guard's defaults unless `guard` says otherwise. */
  startAgent(options?: { planeName?: string; guard?: PlaneGuardConfig }): Promise<StartedAgent>;
  close(): Promise<void>;
}

export interface StartedAgent {
  readonly agent: PlaneAgent;
  readonly driver: PlaneDriver;
  readonly lines: Record<string, unknown>[];
  stop(): Promise<void>;
}

export const agentNamespace = "openchoreo-agent";

export async function startHarness(options?: ScriptedControlPlaneOptions): Promise<Harness> {
  const double = await startKubeApiDouble();
  const cp = await startScriptedControlPlane(options);
  const agents: StartedAgent[] = [];
  return {
    double,
    cp,
    async startAgent({ planeName = "default", guard: guardConfig = { planeKind: "DataPlane" } }: { planeName?: string; guard?: PlaneGuardConfig } = {}) {
      const { logger, lines } = captureLogger();
      const guard = createPlaneGuard({ protectedNamespaces: [agentNamespace], ...guardConfig });
      const driver = createKubernetesDriver({
        kubeConfig: double.kubeConfig(),
        agentId: `${guardConfig.planeKind.toLowerCase()}.${planeName}`,
        namespace: agentNamespace,
        kinds: guard.kinds,
        logger,
        watchBackoff: { initialMs: 50, maxMs: 200, random: () => 0.5 },
      });
      const agent = createPlaneAgent({
        server: cp.url,
        planeName,
        planeKind: guardConfig.planeKind,
        agentVersion: "9.9.9",
        credential: async () => "token-1",
        driver,
        guard,
        logger,
        reconnect: { initialMs: 200, maxMs: 1000, random: () => 0.5 },
      });
      let stopped = false;
      const started: StartedAgent = {
        agent,
        driver,
        lines,
        async stop() {
          if (stopped) return;
          stopped = true;
          await agent.stop();
        },
      };
      agents.push(started);
      await agent.start();
      return started;
    },
    async close() {
      for (const agent of agents.splice(0).reverse()) await agent.stop();
      await cp.close();
      await double.close();
    },
  };
}

export const metadataOf = (object: JsonObject | undefined) =>
  (object?.metadata ?? {}) as {
    name?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string }[];
  };
