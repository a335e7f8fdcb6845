import { fromJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ConfigurationGroupSchema } from "../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import type { JsonObject } from "../model/index.js";
import { testBinding, testSettings } from "../../test/render/support/inputs.js";
import { bindingView } from "./binding-view.js";
import { renderConfiguration } from "./configuration.js";

const group = fromJson(ConfigurationGroupSchema, {
  apiVersion: "openchoreo.dev/v1alpha1",
  kind: "ConfigurationGroup",
  metadata: { name: "db", namespace: "acme" },
  spec: {
    environmentGroups: [{ name: "lower", environments: ["dev", "test"] }],
    configurations: [
      { key: "host", values: [{ value: "db.default" }, { environmentGroupRef: "lower", value: "db.lower" }, { environment: "dev", value: "db.dev" }] },
      { key: "user", values: [{ value: "app" }, { environmentGroupRef: "lower", value: "lower-app" }] },
      { key: "password", values: [{ environmentGroupRef: "lower", vaultKey: "secret/data/db/lower" }] },
      { key: "prod-only", values: [{ environment: "prod", value: "x" }] },
    ],
  },
});

function render(env: JsonObject[]) {
  const view = bindingView(testBinding("ServiceBinding", { workloadSpec: { containers: { main: { image: "x", env } } } }));
  return renderConfiguration(view, [group], testSettings());
}

const ref = (name: string, key: string, kind: "configurationGroupRef" | "secretRef" = "configurationGroupRef") => ({ valueFrom: { [kind]: { name, key } } });

describe("renderConfiguration", () => {
  it("resolves a value for the environment by name, then by environment group, then for any environment", () => {
    const result = render([
      { key: "DB_HOST", ...ref("db", "host") },
      { key: "DB_USER", ...ref("db", "user") },
      { key: "LITERAL", value: "inline" },
    ]);
    expect(result.problems).toEqual([]);
    expect(result.manifests).toHaveLength(1);
    expect(result.manifests[0]).toMatchObject({ kind: "ConfigMap", data: { "db.host": "db.dev", "db.user": "lower-app" } });
    const configMap = (result.manifests[0]!.metadata as JsonObject).name;
    expect(result.containerEnv.get("main")).toEqual([
      { name: "DB_HOST", valueFrom: { configMapKeyRef: { name: configMap, key: "db.host" } } },
      { name: "DB_USER", valueFrom: { configMapKeyRef: { name: configMap, key: "db.user" } } },
      { name: "LITERAL", value: "inline" },
    ]);
    expect(result.secrets).toBeUndefined();
  });

  it("puts a vault key's path, never a value, in a SecretProviderClass that the container mounts", () => {
    const result = render([{ key: "DB_PASSWORD", ...ref("db", "password", "secretRef") }]);
    expect(result.manifests.map((m) => m.kind)).toEqual(["SecretProviderClass"]);
    const spc = result.manifests[0]!;
    expect((spc.spec as JsonObject).parameters).toMatchObject({ objects: expect.stringContaining("secretPath: secret/data/db/lower") });
    const name = (spc.metadata as JsonObject).name;
    expect(result.containerEnv.get("main")).toEqual([{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name, key: "db.password" } } }]);
    expect(result.secrets?.containers.has("main")).toBe(true);
    expect(result.secrets?.volume).toMatchObject({ csi: { driver: "secrets-store.csi.k8s.io", volumeAttributes: { secretProviderClass: name } } });
  });

  it("reports a group, key or environment it cannot resolve, leaving the variable out", () => {
    const result = render([
      { key: "A", ...ref("nope", "host") },
      { key: "B", ...ref("db", "nope") },
      { key: "C", ...ref("db", "prod-only") },
    ]);
    expect(result.containerEnv.get("main")).toEqual([]);
    expect(result.manifests).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual([
      'container "main" variable "A": ConfigurationGroup "nope" not found',
      'container "main" variable "B": ConfigurationGroup "db" has no key "nope"',
      'container "main" variable "C": ConfigurationGroup "db" key "prod-only" has no value for environment "dev"',
    ]);
  });
});
