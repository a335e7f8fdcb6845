import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { allFiles } from "../../gen/index.js";
import { createCodec, createKindRegistry } from "../model/index.js";
import { formatDocuments, parseOutputFormat } from "./output-format.js";

const registry = createKindRegistry(allFiles);
const codec = createCodec(registry);
const kind = registry.resolve("comp")!;
const objects = ["a", "b"].map((name) => ({ apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name }, spec: { type: "Service" } }));

describe("parseOutputFormat", () => {
  it("reads every format, and a jsonpath template", () => {
    expect(parseOutputFormat(undefined)).toEqual({ type: "table" });
    expect(parseOutputFormat("wide")).toEqual({ type: "wide" });
    expect(parseOutputFormat("jsonpath={.a} {.b}")).toEqual({ type: "jsonpath", template: "{.a} {.b}" });
    expect(() => parseOutputFormat("xml")).toThrow('unknown output format "xml"');
  });
});

describe("formatDocuments", () => {
  it("wraps a list in a List, which apply reads back", () => {
    const yaml = formatDocuments({ type: "yaml" }, kind, objects, { asList: true, codec });
    expect(parse(yaml)).toEqual({ apiVersion: "v1", kind: "List", items: objects });
    expect(codec.parseManifests(yaml)).toEqual(objects);
    expect(JSON.parse(formatDocuments({ type: "json" }, kind, objects, { asList: true, codec })).items).toEqual(objects);
  });

  it("prints one document per object otherwise", () => {
    expect(formatDocuments({ type: "yaml" }, kind, objects, { asList: false, codec }).split("---\n")).toHaveLength(2);
    expect(formatDocuments({ type: "jsonpath", template: "{.metadata.name}:{.spec.type}" }, kind, objects, { asList: false, codec })).toBe("a:Service\nb:Service\n");
    expect(formatDocuments({ type: "jsonpath", template: "{.items[*].metadata.name}" }, kind, objects, { asList: true, codec })).toBe("a b\n");
    expect(formatDocuments({ type: "name" }, kind, objects, { asList: true, codec })).toBe("component.openchoreo.dev/a\ncomponent.openchoreo.dev/b\n");
  });
});
