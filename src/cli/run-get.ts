import type { JsonObject } from "../model/index.js";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { formatTable, type ColumnWidths } from "./format-table.js";
import { getObject } from "./get-object.js";
import { listAll, listAndWatch } from "./list-and-watch.js";
import { notFoundError } from "./not-found-error.js";
import { objectMeta } from "./object-meta.js";
import { objectTableHeader, objectTableRows } from "./object-table.js";
import { formatDocuments, parseOutputFormat } from "./output-format.js";
import { parseObjectArgs } from "./parse-object-args.js";

/** `get KIND [NAME...]`: a table from the kind's printer columns, or the objects as YAML, JSON, names. */
export async function runGet(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const format = parseOutputFormat(args.value("output"));
  const allNamespaces = args.enabled("all-namespaces");
  const selector = args.value("selector") ?? "";
  const { registry, codec } = await ctx.model();
  const { kind, names } = parseObjectArgs(registry, args.positionals, "get");
  if (names.length > 0 && allNamespaces) throw usageError("a name cannot be looked up across all namespaces (-A)", "get");
  if (names.length > 0 && selector) throw usageError("give names or a label selector (-l), not both", "get");
  const { namespace } = await ctx.target();
  const api = await ctx.api();

  let widths: ColumnWidths = [];
  const tableOptions = { wide: format.type === "wide", allNamespaces, now: io.now() };
  /** Prints objects; `first` is the initial list (header, "No resources found"), later calls are watch updates. */
  const print = (objects: readonly JsonObject[], first: boolean) => {
    if (format.type === "table" || format.type === "wide") {
      if (first && objects.length === 0) {
        io.stderr.write(kind.namespaced && !allNamespaces ? `No resources found in ${namespace} namespace.\n` : "No resources found.\n");
        return;
      }
      const rows = objectTableRows(kind, objects, { ...tableOptions, now: io.now() });
      const table = formatTable(first ? [objectTableHeader(kind, tableOptions), ...rows] : rows, widths);
      widths = table.widths;
      io.stdout.write(table.lines.map((l) => l + "\n").join(""));
    } else {
      // A watch prints each change as its own document; one object named is not a list either.
      const asList = first && !args.enabled("watch") && names.length !== 1;
      if (!asList && objects.length === 0) return;
      const separator = format.type === "yaml" && !first ? "---\n" : "";
      io.stdout.write(separator + formatDocuments(format, kind, objects, { asList, codec }));
    }
  };

  if (args.enabled("watch")) {
    const wanted = new Set(names);
    const shown = (objects: readonly JsonObject[]) => (wanted.size === 0 ? objects : objects.filter((o) => wanted.has(objectMeta(o).name)));
    let first = true;
    for await (const update of listAndWatch(api, { kind, namespace, allNamespaces, labelSelector: selector }, io.signal)) {
      print(shown(update.type === "synced" ? update.items : [update.object]), first);
      first = false;
    }
    return 0;
  }

  if (names.length === 0) {
    print((await listAll(api, { kind, namespace, allNamespaces, labelSelector: selector }, io.signal)).items, true);
    return 0;
  }
  // Like kubectl: print what exists, then say what does not, and fail.
  const found: JsonObject[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const object = await getObject(ctx, kind, namespace, name);
    if (object) found.push(object);
    else missing.push(name);
  }
  if (found.length > 0) print(found, true);
  if (missing.length > 0) throw notFoundError(missing.map((name) => ({ kind, namespace, name })));
  return 0;
}
