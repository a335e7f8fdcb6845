// Test support: a plane agent with the kubernetes driver, against the Kubernetes API double and a
// scripted control plane, both over real HTTP.
import { startScriptedControlPlane, type ScriptedControlPlane, type ScriptedControlPlaneOptions } from "../../src/agent/scripted-control-plane.js";
import { createKubernetesDriver, createPlaneAgent, type PlaneAgent, type PlaneDriver } from "../../src/agent/index.js";
import type { JsonObject } from "../../src/model/json.js";
import { captureLogger } from "../support/capture-logger.js";
import { startKubeApiDouble, type KubeApiDouble } from "../kube-api-double/index.js";

export interface Harness {
  readonly double: KubeApiDouble;
  readonly cp: ScriptedControlPlane;
  startAgent(options?: { planeName?: string }): Promise<StartedAgent>;
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
    async startAgent({ planeName = "default" } = {}) {
      const { logger, lines } = captureLogger();
      const driver = createKubernetesDriver({
        kubeConfig: double.kubeConfig(),
        agentId: `dataplane.${planeName}`,
        namespace: agentNamespace,
        logger,
        watchBackoff: { initialMs: 50, maxMs: 200, random: () => 0.5 },
      });
      const agent = createPlaneAgent({
        server: cp.url,
        planeName,
        planeKind: "DataPlane",
        agentVersion: "9.9.9",
        credential: async () => "token-1",
        driver,
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
