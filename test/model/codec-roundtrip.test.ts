import { fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { createCodec, createKindRegistry, validateObject, type JsonObject } from "../../src/model/index.js";
import { dropEmptyCollections } from "../support/drop-empty-collections.js";
import { instanceOf } from "../support/maximal-instance.js";
import {
  readCrds,
  readReferenceDocuments,
  readReferenceFiles,
  referencePresent,
  referenceSkipReason,
  type OpenApiSchema,
} from "../support/shared-reference.js";

const registry = createKindRegistry(allFiles);
const codec = createCodec(registry);

if (!referencePresent) console.warn(referenceSkipReason);

/** Fields the contracts add to v0.3 schemas, as COMPATIBILITY.md lists them. */
const additiveFields = new Set([
  "status.observedGeneration",
  "status.conditions",
  "DeployableArtifact:spec.owner",
  "DeployableArtifact:spec.componentType",
  "DeployableArtifact:spec.className",
  "DeployableArtifact:spec.workload",
  "DeployableArtifact:spec.apis",
  "ServiceBinding:spec.artifactName",
  "WebApplicationBinding:spec.artifactName",
  "ScheduledTaskBinding:spec.artifactName",
  "ServiceBinding:status.revisions",
  "WebApplicationBinding:status.revisions",
  "ScheduledTaskBinding:status.revisions",
  "DataPlane:status.agent",
  "BuildPlane:status.agent",
  "Release:status.appliedGeneration",
  "Release:status.resources.syncStatus",
  "Release:status.resources.message",
  "Release:status.resources.sha256",
  "Build:status.phase",
  "Build:status.commit",
  "Build:status.steps",
  "Build:status.startTime",
  "Build:status.completionTime",
  "Build:status.workloadName",
]);

describe.skipIf(!referencePresent)("codec against the OpenChoreo v0.3 CRDs", () => {
  const crds = referencePresent ? readCrds() : [];

  it("has a registered kind for each of the 28 CRDs, with the CRD's names and scope", () => {
    expect(crds).toHaveLength(28);
    for (const crd of crds) {
      const kind = registry.lookup("openchoreo.dev/v1alpha1", crd.kind);
      expect(kind, crd.kind).toBeDefined();
      expect(kind!.plural).toBe(crd.plural);
      expect(kind!.singular).toBe(crd.singular);
      expect([...kind!.shortNames]).toEqual(crd.shortNames);
      expect(kind!.namespaced).toBe(crd.scope === "Namespaced");
      expect(kind!.added).toBe(false);
    }
  });

  for (const flavour of ["maximal", "zero"] as const) {
    it(`round-trips a ${flavour} instance of every CRD schema, field for field, through JSON and binary`, () => {
      for (const crd of crds) {
        const kind = registry.lookup("openchoreo.dev/v1alpha1", crd.kind)!;
        const props = crd.schema.properties!;
        const json = {
          apiVersion: "openchoreo.dev/v1alpha1",
          kind: crd.kind,
          metadata: { name: "sample", ...(kind.namespaced ? { namespace: "acme" } : {}), labels: { a: "b" } },
          spec: instanceOf(props.spec!, flavour, "spec"),
          status: instanceOf(props.status!, flavour, "status"),
        };
        const { message } = codec.decode(json);
        expect(codec.encode(message), `${crd.kind} (${flavour}) via JSON`).toEqual(json);
        const viaBinary = fromBinary(kind.schema, toBinary(kind.schema, message));
        expect(codec.encode(viaBinary), `${crd.kind} (${flavour}) via binary`).toEqual(json);
      }
    });
  }

  it("declares no field the CRD schema lacks, except the additive fields COMPATIBILITY.md lists", () => {
    for (const crd of crds) {
      const kind = registry.lookup("openchoreo.dev/v1alpha1", crd.kind)!;
      const extra: string[] = [];
      for (const part of ["spec", "status"]) {
        const field = kind.schema.fields.find((f) => f.jsonName === part)!;
        extra.push(...fieldsMissingFrom(field.message!, crd.schema.properties![part] ?? {}, part));
      }
      expect(extra.filter((p) => !additiveFields.has(p) && !additiveFields.has(`${crd.kind}:${p}`)), crd.kind).toEqual([]);
    }
  });
});

describe.skipIf(!referencePresent)("codec against the v0.3 samples and defaults-rendered", () => {
  const docs = referencePresent ? readReferenceDocuments() : [];

  it("reads every document back with the same fields and values", () => {
    expect(docs.length).toBeGreaterThan(20);
    for (const doc of docs) {
      const { kind, message } = codec.decode(doc.json);
      const back = codec.encode(message);
      expect(back, doc.source).toEqual(dropEmptyCollections(kind.schema, doc.json));
    }
  });

  it("accepts every document under the registry's rules (after defaults, in the default namespace)", () => {
    for (const doc of docs) {
      const kind = codec.kindOf(doc.json);
      const json = structuredClone(doc.json) as JsonObject;
      expect(() => validateObject(kind, json), doc.source).not.toThrow();
    }
  });

  it("parses each file's text with parseManifests into the same documents", () => {
    const files = readReferenceFiles();
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const expected = docs.filter((d) => d.source.startsWith(`${file.path}#`)).map((d) => d.json);
      expect(codec.parseManifests(file.text), file.path).toEqual(expected);
    }
  });
});

/** Paths of proto fields under `desc` that have no property in the CRD schema. */
function fieldsMissingFrom(desc: DescMessage, schema: OpenApiSchema, path: string): string[] {
  const out: string[] = [];
  for (const field of desc.fields) {
    const fieldPath = `${path}.${field.jsonName}`;
    let sub = schema.properties?.[field.jsonName];
    if (!sub) {
      out.push(fieldPath);
      continue;
    }
    if (sub.type === "array") sub = sub.items ?? {};
    else if (field.fieldKind === "map" && typeof sub.additionalProperties === "object") sub = sub.additionalProperties;
    const message = field.message;
    if (message && !message.typeName.startsWith("google.protobuf.") && !message.typeName.endsWith(".Condition")) {
      out.push(...fieldsMissingFrom(message, sub, fieldPath));
    }
  }
  return out;
}
