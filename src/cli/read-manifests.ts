import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { Codec, JsonObject } from "../model/index.js";
import { CliError } from "./cli-error.js";

/** The text of one file (or stdin), as given to the server. */
export interface ManifestSource {
  /** A path relative to the working directory, or "stdin". */
  readonly name: string;
  readonly text: string;
}

/** One document of a source; `index` counts from 1 within its source. */
export interface ManifestDocument {
  readonly source: string;
  readonly index: number;
  readonly json: JsonObject;
}

export interface Manifests {
  readonly sources: readonly ManifestSource[];
  /** Every document of every source, in order: the order the server numbers them in. */
  readonly documents: readonly ManifestDocument[];
}

const manifestFile = /\.(ya?ml|json)$/i;

/**
 * Reads `-f` arguments as kubectl does: a file, a directory's YAML and JSON files (sorted; with
 * `recursive`, its subdirectories too) or "-" for stdin; then parses each source locally, so a YAML
 * syntax error names its file before anything is sent.
 */
export async function readManifests(
  paths: readonly string[],
  options: { readonly recursive: boolean; readonly cwd: string; readonly stdin: AsyncIterable<Buffer | string>; readonly codec: Codec },
): Promise<Manifests> {
  const sources: ManifestSource[] = [];
  for (const path of paths) {
    if (path === "-") {
      let text = "";
      for await (const chunk of options.stdin) text += chunk.toString();
      sources.push({ name: "stdin", text });
      continue;
    }
    const absolute = resolve(options.cwd, path);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new CliError(`the path "${path}" does not exist`);
    const files = info.isDirectory() ? await manifestFiles(absolute, options.recursive) : [absolute];
    if (files.length === 0) {
      throw new CliError(`no .yaml, .yml or .json files in ${path}${options.recursive ? "" : " (-R reads subdirectories)"}`);
    }
    for (const file of files) sources.push({ name: relative(options.cwd, file) || file, text: await readFile(file, "utf8") });
  }
  const documents = sources.flatMap((source) => {
    let docs: JsonObject[];
    try {
      docs = options.codec.parseManifests(source.text);
    } catch (err) {
      throw new CliError(`${source.name}: ${(err as Error).message}`);
    }
    return docs.map((json, i) => ({ source: source.name, index: i + 1, json }));
  });
  if (documents.length === 0) throw new CliError(`no objects in ${sources.map((s) => s.name).join(", ")}`);
  return { sources, documents };
}

async function manifestFiles(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...(await manifestFiles(path, recursive)));
    } else if (manifestFile.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

/** Where the server's "document N" is: "file.yaml: document 2" (the server numbers the joined text). */
export function documentLabel(manifests: Manifests, serverIndex: number): string | undefined {
  const doc = manifests.documents[serverIndex - 1];
  return doc && `${doc.source}: document ${doc.index}`;
}
