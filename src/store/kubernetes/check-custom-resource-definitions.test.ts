import { describe, expect, it } from "vitest";
import { allFiles } from "../../../gen/index.js";
import { crdFromKind, createKindRegistry, type JsonObject } from "../../model/index.js";
import { checkCustomResourceDefinitions } from "./check-custom-resource-definitions.js";
import { KubeApiError, type KubeRestClient } from "./kube-rest-client.js";
import { storageCrd, storageKinds } from "./storage-crds.js";

const registry = createKindRegistry(allFiles);

/** Serves CRDs by name from a map, as GET .../customresourcedefinitions/NAME would. */
function serving(crds: Map<string, JsonObject>): KubeRestClient {
  return {
    async request({ path }) {
      const crd = crds.get(path.split("/").at(-1)!);
      if (!crd) throw new KubeApiError(404, "NotFound", "not found", {});
      return structuredClone(crd);
    },
    stream: () => {
      throw new Error("no watches here");
    },
  };
}

const installed = () =>
  new Map([
    ...registry.kinds.map((k) => [`${k.plural}.${k.group}`, crdFromKind(k)] as const),
    ...storageKinds.map((k) => [`${k.plural}.openchoreo.dev`, storageCrd(k)] as const),
  ]);

describe("the CRD check at start", () => {
  it("passes when every CRD of deploy/crds is installed, and when an installed one is newer", async () => {
    const crds = installed();
    const project = crds.get("projects.openchoreo.dev")!;
    const schema = ((project.spec as JsonObject).versions as JsonObject[])[0]!.schema as { openAPIV3Schema: { properties: { spec: { properties: JsonObject } } } };
    schema.openAPIV3Schema.properties.spec.properties.fromTheFuture = { type: "string" };
    await expect(checkCustomResourceDefinitions(serving(crds), registry)).resolves.toBeUndefined();
  });

  it("names a missing CRD, one without a status subresource and one missing a field, and says how to fix it", async () => {
    const crds = installed();
    crds.delete("components.openchoreo.dev");
    crds.delete("buildlogchunks.openchoreo.dev");
    const version = (crd: JsonObject) => ((crd.spec as JsonObject).versions as JsonObject[])[0]!;
    delete version(crds.get("releases.openchoreo.dev")!).subresources;
    const schema = version(crds.get("projects.openchoreo.dev")!).schema as { openAPIV3Schema: { properties: { spec: { properties: JsonObject } } } };
    delete schema.openAPIV3Schema.properties.spec.properties.deploymentPipelineRef;
    const error = await checkCustomResourceDefinitions(serving(crds), registry).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).toContain("components.openchoreo.dev: missing");
    expect(error?.message).toContain("buildlogchunks.openchoreo.dev: missing");
    expect(error?.message).toContain("releases.openchoreo.dev: no status subresource");
    expect(error?.message).toContain("projects.openchoreo.dev: older than this server (no spec.deploymentPipelineRef)");
    expect(error?.message).toContain("kubectl apply --server-side -f deploy/crds/");
  });
});
