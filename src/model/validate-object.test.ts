import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { isInvalidSpecError } from "../errors/index.js";
import type { JsonObject } from "./json.js";
import { createKindRegistry } from "./kind-registry.js";
import { validateObject } from "./validate-object.js";

const registry = createKindRegistry(allFiles);
const kindOf = (name: string) => registry.resolve(name)!;

function violations(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (isInvalidSpecError(err)) return err.violations.map((v) => `${v.path}: ${v.message}`);
    throw err;
  }
}

const binding = (): JsonObject => ({
  apiVersion: "openchoreo.dev/v1alpha1",
  kind: "ServiceBinding",
  metadata: { name: "greeter-dev", namespace: "default" },
  spec: {
    owner: { projectName: "default", componentName: "greeter" },
    environment: "development",
    workloadSpec: { containers: { main: { image: "ghcr.io/acme/greeter:1" } } },
  },
});

describe("validateObject", () => {
  it("applies CRD defaults before judging required fields", () => {
    const out = validateObject(kindOf("ServiceBinding"), binding());
    expect(out.spec).toMatchObject({ className: "default", releaseState: "Active" });
  });

  it("reports every violation at once, each naming its field", () => {
    const json = binding();
    Object.assign(json.spec as JsonObject, { releaseState: "Paused", owner: { projectName: "Default" } });
    (json.metadata as JsonObject).labels = { "openchoreo.dev/component": "has spaces" };
    expect(violations(() => validateObject(kindOf("ServiceBinding"), json))).toEqual(
      expect.arrayContaining([
        "spec.releaseState: must be one of: Active, Suspend, Undeploy (got \"Paused\")",
        "spec.owner.componentName: required",
        expect.stringMatching(/^spec\.owner\.projectName: must be a DNS-1123 label/),
        expect.stringMatching(/^metadata\.labels\[openchoreo\.dev\/component\]: label value/),
      ]),
    );
  });

  it("rejects a namespace on cluster-scoped kinds", () => {
    const org = { apiVersion: "openchoreo.dev/v1alpha1", kind: "Organization", metadata: { name: "acme", namespace: "x" }, spec: {} };
    expect(violations(() => validateObject(kindOf("org"), org))).toEqual(["metadata.namespace: must be empty: Organization is cluster-scoped"]);
  });

  it("enforces immutable fields against the stored object", () => {
    const stored = validateObject(kindOf("ServiceBinding"), binding());
    const moved = structuredClone(stored);
    (moved.spec as JsonObject).environment = "production";
    expect(violations(() => validateObject(kindOf("ServiceBinding"), moved, { previous: stored }))).toEqual([
      "spec.environment: is immutable: it cannot change after creation",
    ]);
    const relabelled = structuredClone(stored);
    (relabelled.metadata as JsonObject).labels = { team: "a" };
    expect(violations(() => validateObject(kindOf("ServiceBinding"), relabelled, { previous: stored }))).toEqual([]);
  });

  it("judges status only on status writes", () => {
    const json = binding();
    json.status = { conditions: [{ type: "Ready", status: "Maybe", reason: "X", message: "", lastTransitionTime: "2025-01-01T00:00:00Z" }] };
    expect(violations(() => validateObject(kindOf("ServiceBinding"), json))).toEqual([]);
    expect(violations(() => validateObject(kindOf("ServiceBinding"), json, { part: "status" }))).toEqual([
      "status.conditions[0].status: must be one of: True, False, Unknown (got \"Maybe\")",
    ]);
  });

  it("checks patterns and integer bounds", () => {
    const release = {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Release",
      metadata: { name: "r", namespace: "default" },
      spec: { owner: { projectName: "p", componentName: "c" }, environmentName: "dev", interval: "soon" },
    };
    expect(violations(() => validateObject(kindOf("Release"), release))).toEqual([
      "spec.interval: must match ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$",
    ]);
    const workload = {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Workload",
      metadata: { name: "w", namespace: "default" },
      spec: { owner: { projectName: "p", componentName: "c" }, endpoints: { api: { type: "REST", port: 70000 } } },
    };
    expect(violations(() => validateObject(kindOf("Workload"), workload))).toEqual(["spec.endpoints[api].port: must be at most 65535"]);
  });
});
