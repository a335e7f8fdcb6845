import { describe, expect, it } from "vitest";
import type { JsonObject } from "../model/index.js";
import { evaluateJsonPath, jsonPathText, renderJsonPathTemplate } from "./json-path.js";

const object: JsonObject = {
  metadata: { name: "api", labels: { "core.choreo.dev/organization": "acme" } },
  spec: { type: "Service", replicas: 0, isProduction: false, ports: [80, 443] },
  status: {
    conditions: [
      { type: "Available", status: "True" },
      { type: "Ready", status: "False", reason: "AgentNotConnected" },
    ],
    endpoints: [{ public: { uri: "https://a" } }, { public: { uri: "https://b" } }],
  },
};

describe("evaluateJsonPath", () => {
  it.each([
    [".spec.type", ["Service"]],
    ["{.spec.type}", ["Service"]],
    ["$.spec.type", ["Service"]],
    [".spec.replicas", [0]],
    [".spec.isProduction", [false]],
    [".metadata.labels.core\\.choreo\\.dev/organization", ["acme"]],
    [".metadata.labels['core.choreo.dev/organization']", ["acme"]],
    [".spec.ports[1]", [443]],
    [".spec.ports[-1]", [443]],
    [".spec.ports[*]", [80, 443]],
    [".status.endpoints[*].public.uri", ["https://a", "https://b"]],
    [".status.conditions[?(@.type=='Ready')].status", ["False"]],
    [".status.conditions[?(@.type!='Ready')].type", ["Available"]],
    [".status.conditions[?(@.type==\"Ready\")].reason", ["AgentNotConnected"]],
    [".spec.missing.deeper", []],
    [".spec.ports[7]", []],
  ])("%s", (path, expected) => {
    expect(evaluateJsonPath(object, path)).toEqual(expected);
  });

  it("rejects what it does not support, naming the expression", () => {
    expect(() => evaluateJsonPath(object, "..name")).toThrow(/recursive descent/);
    expect(() => evaluateJsonPath(object, ".a[?(@.x > 1)]")).toThrow(/unsupported selector/);
  });
});

describe("jsonPathText and renderJsonPathTemplate", () => {
  it("prints strings as they are, other values as JSON, several joined", () => {
    expect(jsonPathText(object, ".spec.isProduction")).toBe("false");
    expect(jsonPathText(object, ".spec.ports[*]")).toBe("80,443");
    expect(jsonPathText(object, ".nothing")).toBe("");
  });

  it("fills a kubectl template", () => {
    expect(renderJsonPathTemplate(object, "{.metadata.name} is {.spec.type}: {.status.endpoints[0].public.uri}")).toBe("api is Service: https://a");
  });
});
