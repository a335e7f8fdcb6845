import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { Verb } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import { createKindRegistry } from "./kind-registry.js";
import { describeResourceService } from "./resource-services.js";

const registry = createKindRegistry(allFiles);
const services = allFiles.flatMap((f) => f.services);

describe("typed resource services", () => {
  it("are the seven of the contract, each following the conventions of its verbs", () => {
    const described = services.flatMap((s) => describeResourceService(s, registry) ?? []);
    expect(described.map((d) => d.kind.kind).sort()).toEqual([
      "BuildPlane",
      "Component",
      "DataPlane",
      "DeploymentPipeline",
      "Environment",
      "Organization",
      "Project",
    ]);
    for (const d of described) {
      expect(d.methods.get(Verb.LIST)!.objectField.fieldKind).toBe("list");
      expect(d.methods.get(Verb.WATCH)!.method.methodKind).toBe("server_streaming");
    }
  });

  it("leave services without the resource option alone", () => {
    const build = services.find((s) => s.typeName === "openchoreo.api.v1alpha1.BuildService")!;
    expect(describeResourceService(build, registry)).toBeUndefined();
  });
});
