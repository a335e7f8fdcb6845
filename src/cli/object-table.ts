import { create } from "@bufbuild/protobuf";
import { PrinterColumnSchema, type PrinterColumn } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
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

/**
 * The kinds whose status summarises what a plane runs, and so says when a plane only simulates it
 * (the Simulated condition); their tables show it after Ready. Proto printer columns would also put
 * it into the CRDs, where no simulating plane exists.
 */
const summarisesPlanes = new Set(["Release", "ServiceBinding", "WebApplicationBinding", "ScheduledTaskBinding", "APIBinding", "Component", "Project", "Build"]);

const simulatedColumn = create(PrinterColumnSchema, { name: "Simulated", type: "string", jsonPath: ".status.conditions[?(@.type=='Simulated')].status" });

function columnsOf(kind: KindInfo, options: ObjectTableOptions): PrinterColumn[] {
  const columns = kind.printerColumns.filter((c) => options.wide || c.priority === 0);
  if (!summarisesPlanes.has(kind.kind)) return columns;
  const ready = columns.findIndex((c) => c.name === "Ready");
  const at = ready >= 0 ? ready + 1 : columns.length;
  return [...columns.slice(0, at), simulatedColumn, ...columns.slice(at)];
}
