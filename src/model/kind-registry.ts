import { getOption, hasOption, type DescFile, type DescMessage } from "@bufbuild/protobuf";
import {
  kind as kindOption,
  Scope,
  StringFormat,
  type PrinterColumn,
} from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";

/** Everything the platform knows about one resource kind, read from its message's options. */
export interface KindInfo {
  readonly group: string;
  readonly version: string;
  /** "group/version", e.g. "openchoreo.dev/v1alpha1". */
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly printerColumns: readonly PrinterColumn[];
  /** Dotted paths, e.g. "spec.owner", that cannot change after creation. */
  readonly immutableFields: readonly string[];
  readonly compatibilityOnly: boolean;
  /** Not part of OpenChoreo v0.3. */
  readonly added: boolean;
  readonly nameFormat: StringFormat;
  /** The message of the whole object (apiVersion, kind, metadata, spec, status). */
  readonly schema: DescMessage;
}

export interface KindRegistry {
  readonly kinds: readonly KindInfo[];
  /** By apiVersion and kind, as in a manifest; undefined when unknown. */
  lookup(apiVersion: string, kind: string): KindInfo | undefined;
  /**
   * By any name a user types: kind ("ServiceBinding"), plural, singular or short name, any case,
   * optionally checked against an apiVersion. Undefined when nothing matches.
   */
  resolve(name: string, apiVersion?: string): KindInfo | undefined;
  /** By the full name of the kind's message, e.g. "openchoreo.model.v1alpha1.Project". */
  bySchema(typeName: string): KindInfo | undefined;
}

/** Builds the registry from generated file descriptors: every message carrying the kind option is a kind. */
export function createKindRegistry(files: readonly DescFile[]): KindRegistry {
  const kinds: KindInfo[] = [];
  for (const file of files) {
    for (const message of file.messages) {
      if (!hasOption(message, kindOption)) continue;
      kinds.push(kindInfoOf(message));
    }
  }
  kinds.sort((a, b) => a.kind.localeCompare(b.kind));

  const byApiVersionKind = new Map<string, KindInfo>();
  const byName = new Map<string, KindInfo[]>();
  const bySchemaName = new Map<string, KindInfo>();
  const addName = (name: string, info: KindInfo) => {
    const key = name.toLowerCase();
    const list = byName.get(key) ?? [];
    if (!list.includes(info)) list.push(info);
    byName.set(key, list);
  };
  for (const info of kinds) {
    const key = `${info.apiVersion}/${info.kind}`;
    if (byApiVersionKind.has(key)) throw new Error(`kind ${key} is declared twice`);
    byApiVersionKind.set(key, info);
    bySchemaName.set(info.schema.typeName, info);
    for (const name of [info.kind, info.plural, info.singular, ...info.shortNames]) addName(name, info);
  }

  return {
    kinds,
    lookup: (apiVersion, kind) => byApiVersionKind.get(`${apiVersion}/${kind}`),
    resolve(name, apiVersion) {
      const candidates = (byName.get(name.toLowerCase()) ?? []).filter(
        (k) => !apiVersion || k.apiVersion === apiVersion,
      );
      return candidates[0];
    },
    bySchema: (typeName) => bySchemaName.get(typeName),
  };
}

function kindInfoOf(message: DescMessage): KindInfo {
  const opts = getOption(message, kindOption);
  const missing = (["group", "version", "kind", "plural", "singular"] as const).filter((k) => !opts[k]);
  if (missing.length > 0 || opts.scope === Scope.UNSPECIFIED) {
    throw new Error(`kind option of ${message.typeName} lacks ${[...missing, "scope"].join(", ")}`);
  }
  for (const part of ["api_version", "kind", "metadata", "spec"]) {
    if (!message.fields.some((f) => f.name === part)) {
      throw new Error(`kind message ${message.typeName} has no field ${part}`);
    }
  }
  return {
    group: opts.group,
    version: opts.version,
    apiVersion: `${opts.group}/${opts.version}`,
    kind: opts.kind,
    plural: opts.plural,
    singular: opts.singular,
    shortNames: opts.shortNames,
    namespaced: opts.scope === Scope.NAMESPACED,
    printerColumns: opts.printerColumns,
    immutableFields: opts.immutableFields,
    compatibilityOnly: opts.compatibilityOnly,
    added: opts.added,
    nameFormat: opts.nameFormat === StringFormat.UNSPECIFIED ? StringFormat.DNS1123_LABEL : opts.nameFormat,
    schema: message,
  };
}
