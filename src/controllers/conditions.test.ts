import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { PlaneAgentStatusSchema } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import { planeSimulation, simulatedCondition } from "./conditions.js";

const withConditions = (...conditions: { type: string; status: string }[]) => ({ status: { conditions } as never });

describe("the Simulated condition", () => {
  it("comes from the simulation capability the plane's agent announced, naming the plane and its driver", () => {
    const agent = (capabilities: string[], connected = true) => create(PlaneAgentStatusSchema, { connected, driver: "local", capabilities });
    expect(planeSimulation("DataPlane", "default", agent(["live-objects", "simulation"]))).toEqual({
      reason: "SimulatedPlane",
      message: 'DataPlane "default" is simulated by its agent (local driver): nothing runs there, workloads and builds are reported as if they had',
    });
    // A disconnected agent's objects are still the simulation's.
    expect(planeSimulation("BuildPlane", "ci", agent(["simulation"], false))?.message).toMatch(/^BuildPlane "ci" is simulated/);
    expect(planeSimulation("DataPlane", "prod", agent(["live-objects", "server-side-apply"]))).toBeUndefined();
    expect(planeSimulation("DataPlane", "new", undefined)).toBeUndefined();
  });

  it("is True while simulated, False once no longer, and absent on an object never simulated", () => {
    const simulation = { reason: "SimulatedPlane", message: "m" };
    expect(simulatedCondition(withConditions(), simulation)).toEqual({ type: "Simulated", status: "True", reason: "SimulatedPlane", message: "m" });
    expect(simulatedCondition(withConditions({ type: "Ready", status: "True" }), undefined)).toBeUndefined();
    expect(simulatedCondition(withConditions({ type: "Simulated", status: "True" }), undefined)).toMatchObject({ status: "False", reason: "NotSimulated" });
  });
});
