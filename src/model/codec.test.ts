import { create, type Message } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { EnvironmentSchema } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { isInvalidSpecError } from "../errors/index.js";
import { createCodec } from "./codec.js";
import type { JsonObject } from "./json.js";
import { createKindRegistry } from "./kind-registry.js";

const codec = createCodec(createKindRegistry(allFiles));

function violationPaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (isInvalidSpecError(err)) return err.violations.map((v) => `${v.path}: ${v.message}`);
    throw err;
  }
  throw new Error("expected an InvalidSpecError");
}

describe("codec", () => {
  it("keeps false, 0 and empty strings that v0.3 allows (presence)", () => {
    const json = {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Environment",
      metadata: { name: "dev", namespace: "default" },
      spec: { dataPlaneRef: "", isProduction: false, gateway: { dnsPrefix: "dev" } },
    };
    expect(codec.encode(codec.decode(json).message)).toEqual(json);
  });

  it("keeps both forms of an int-or-string port", () => {
    for (const port of [8080, "http"]) {
      const json = {
        apiVersion: "openchoreo.dev/v1alpha1",
        kind: "DeployableArtifact",
        metadata: { name: "a", namespace: "default" },
        spec: {
          configuration: {
            application: { probes: { livenessProbe: { httpGet: { port, path: "/healthz" } } } },
          },
        },
      };
      expect(codec.encode(codec.decode(json).message)).toEqual(json);
    }
  });

  it("encodes typed messages with apiVersion and kind set", () => {
    const env = create(EnvironmentSchema, { metadata: { name: "prod", namespace: "acme" }, spec: { isProduction: true } });
    expect(codec.encode(env)).toEqual({
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Environment",
      metadata: { name: "prod", namespace: "acme" },
      spec: { isProduction: true },
    });
  });

  it("names unknown and mistyped fields, and accepts only JSON names", () => {
    const paths = violationPaths(() =>
      codec.decode({
        apiVersion: "openchoreo.dev/v1alpha1",
        kind: "Environment",
        metadata: { name: "dev", labels: { tier: 3 } },
        spec: { isProduction: "yes", data_plane_ref: "x", gateway: { dnsPrefix: ["a"] } },
      }),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        "spec.data_plane_ref: unknown field",
        "spec.isProduction: must be a boolean",
        "spec.gateway.dnsPrefix: must be a string",
        "metadata.labels[tier]: must be a string",
      ]),
    );
  });

  it("refuses unknown kinds and wrong api versions, naming the field", () => {
    expect(violationPaths(() => codec.decode({ apiVersion: "openchoreo.dev/v1alpha1", kind: "Gizmo" }))).toEqual([
      'kind: unknown kind "Gizmo" in openchoreo.dev/v1alpha1',
    ]);
    expect(violationPaths(() => codec.decode({ apiVersion: "openchoreo.dev/v2", kind: "Project" }))).toEqual([
      "apiVersion: must be openchoreo.dev/v1alpha1 for kind Project",
    ]);
    expect(violationPaths(() => codec.decode({ kind: "Project" }))).toEqual(["apiVersion: required"]);
  });

  it("parses multi-document YAML, JSON and Lists, and reports YAML errors with their document", () => {
    const yaml = "apiVersion: v1\nkind: A\n---\n# only a comment\n---\napiVersion: v1\nkind: B\n";
    expect(codec.parseManifests(yaml).map((d) => d.kind)).toEqual(["A", "B"]);
    expect(codec.parseManifests('{"kind":"List","items":[{"kind":"A"},{"kind":"B"}]}').map((d) => d.kind)).toEqual(["A", "B"]);
    expect(violationPaths(() => codec.parseManifests("kind: A\n---\nkind: [unclosed\n"))[0]).toMatch(/^document 2: not valid YAML or JSON/);
    expect(violationPaths(() => codec.parseManifests("- a\n- b\n"))).toEqual(["document 1: must be an object"]);
  });

  it("writes YAML that parses back to the same documents", () => {
    const docs: JsonObject[] = [{ kind: "A", spec: { n: 1, s: "x: y" } }, { kind: "B" }];
    expect(codec.parseManifests(codec.toYaml(docs))).toEqual(docs);
  });

  it("refuses YAML whose aliases expand too far (billion laughs) as invalid, naming the document", () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
    const bomb = `kind: Organization\nmetadata: {name: ok}\n---\n${levels.join("\n")}\n`;
    expect(violationPaths(() => codec.parseManifests(bomb))).toEqual([expect.stringMatching(/^document 2: cannot be read: Excessive alias count/)]);
  });

  it("refuses to encode a message whose Timestamp has no JSON form, naming the field", () => {
    const env = create(EnvironmentSchema, { metadata: { name: "dev", namespace: "default", creationTimestamp: { seconds: 999_999_999_999n } } });
    expect(violationPaths(() => codec.encode(env))).toEqual([expect.stringMatching(/^metadata\.creationTimestamp: cannot encode message google\.protobuf\.Timestamp/)]);
  });
});

describe("encodeText", () => {
  it("is the text of encode, also once the spec's text is kept and a new status is spliced around it", () => {
    const release = codec.decode({
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Release",
      metadata: { name: "r", namespace: "default", labels: { a: "b" } },
      spec: { environmentName: "development", owner: { projectName: "p", componentName: "c" }, resources: [{ id: "x", object: { apiVersion: "v1", kind: "ConfigMap", data: { k: "v" } } }] },
      status: { conditions: [{ type: "Ready", status: "False", reason: "Applying", message: "m" }] },
    }).message as Message & { status?: unknown; metadata?: unknown };
    expect(codec.encodeText(release)).toBe(JSON.stringify(codec.encode(release)));
    // A status write shares the spec: its text comes from the first encoding.
    const next = { ...release, status: (codec.decode({ ...codec.encode(release), status: { appliedGeneration: 1 } }).message as typeof release).status };
    expect(codec.encodeText(next)).toBe(JSON.stringify(codec.encode(next)));
    const noStatus = { ...release, status: undefined };
    expect(codec.encodeText(noStatus)).toBe(JSON.stringify(codec.encode(noStatus)));
    expect(JSON.parse(codec.encodeText(next))).toMatchObject({ spec: { resources: [{ id: "x" }] }, status: { appliedGeneration: 1 } });
  });
});
