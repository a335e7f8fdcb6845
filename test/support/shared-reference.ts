import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse, parseAllDocuments } from "yaml";

/**
 * The OpenChoreo v0.3.2 reference data lives beside the repository, in ../shared, and is read from
 * there (never copied). Suites that need it skip, saying so, when it is absent.
 */
export const referenceDir = new URL("../../../shared/openchoreo-v0.3/", import.meta.url).pathname;
export const referencePresent = existsSync(join(referenceDir, "crds"));
export const referenceSkipReason = `OpenChoreo reference data not found at ${referenceDir}: skipping the suites that read it`;

export interface CrdInfo {
  readonly file: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: "Namespaced" | "Cluster";
  readonly schema: OpenApiSchema;
}

/** The subset of OpenAPI v3 the CRDs use. */
export interface OpenApiSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  required?: string[];
  default?: unknown;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

export function readCrds(): CrdInfo[] {
  const dir = join(referenceDir, "crds");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const crd = parse(readFileSync(join(dir, file), "utf8"));
      const names = crd.spec.names;
      return {
        file,
        kind: names.kind,
        plural: names.plural,
        singular: names.singular,
        shortNames: names.shortNames ?? [],
        scope: crd.spec.scope,
        schema: crd.spec.versions[0].schema.openAPIV3Schema,
      };
    });
}

export interface ReferenceDocument {
  /** e.g. "samples/from-image/go-greeter-service/greeter-service.yaml#2" */
  readonly source: string;
  /** The folder a document belongs to: each folder is applied to a fresh server. */
  readonly folder: string;
  readonly json: Record<string, unknown>;
}

export interface ReferenceFile {
  /** Relative to the reference folder, e.g. "samples/from-image/go-greeter-service/greeter-service.yaml". */
  readonly path: string;
  readonly folder: string;
  readonly text: string;
}

/** Every YAML file of samples/ and defaults-rendered/. */
export function readReferenceFiles(): ReferenceFile[] {
  return ["samples", "defaults-rendered"].flatMap((top) =>
    yamlFiles(join(referenceDir, top)).map((path) => ({
      path: relative(referenceDir, path),
      folder: relative(referenceDir, join(path, "..")),
      text: readFileSync(path, "utf8"),
    })),
  );
}

/** Every YAML document of those files, as the yaml library reads it. */
export function readReferenceDocuments(): ReferenceDocument[] {
  return readReferenceFiles().flatMap((file) =>
    parseAllDocuments(file.text).flatMap((doc, i) => {
      const json = doc.toJS();
      return json ? [{ source: `${file.path}#${i + 1}`, folder: file.folder, json }] : [];
    }),
  );
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry) ? [path] : [];
    });
}
