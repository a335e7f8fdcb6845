import type { JsonObject, KindInfo } from "../model/index.js";
import { formatAge } from "./format-age.js";
import { jsonPathText } from "./json-path.js";
import { objectMeta } from "./object-meta.js";

export interface ObjectTableOptions {
  /** Every printer column, not only those of priority 0 (`-o wide`). */
  readonly wide: boolean;
  /** Adds a NAMESPACE column (`-A`) for namespaced kinds. */
  readonly allNamespaces: boolean;
  /** For ages. */
  readonly now: number;
}

/** The header of a kind's table: NAME, then the kind's printer columns, as the registry declares them. */
export function objectTableHeader(kind: KindInfo, options: ObjectTableOptions): string[] {
  return [
    ...(options.allNamespaces && kind.namespaced ? ["NAMESPACE"] : []),
    "NAME",
    ...columnsOf(kind, options).map((c) => c.name.toUpperCase()),
  ];
}

/** One row per object, cells in the header's order; date columns print as ages. */
export function objectTableRows(kind: KindInfo, objects: readonly JsonObject[], options: ObjectTableOptions): string[][] {
  const columns = columnsOf(kind, options);
  return objects.map((object) => {
    const meta = objectMeta(object);
    return [
      ...(options.allNamespaces && kind.namespaced ? [meta.namespace] : []),
      meta.name,
      ...columns.map((c) => {
        const text = jsonPathText(object, c.jsonPath);
        if (c.type !== "date" || !text) return text;
        const at = Date.parse(text);
        return Number.isNaN(at) ? text : formatAge(options.now - at);
      }),
    ];
  });
}

function columnsOf(kind: KindInfo, options: ObjectTableOptions) {
  return kind.printerColumns.filter((c) => options.wide || c.priority === 0);
}
