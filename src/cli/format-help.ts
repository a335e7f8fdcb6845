import type { CommandSpec } from "./command-spec.js";
import { commandSpecs, globalFlags } from "./command-specs.js";
import { formatTable } from "./format-table.js";
import type { FlagSpec } from "./parse-args.js";

/** Help for the whole CLI (no path) or for one command, e.g. ["config", "set-context"]. */
export function formatHelp(path: readonly CommandSpec[] = []): string {
  const spec = path.at(-1);
  const name = ["choreoctl", ...path.map((p) => p.name)].join(" ");
  const out: string[] = [];
  if (!spec) {
    out.push("choreoctl: the command-line client of the OpenChoreo control plane, over its public API.", "");
    out.push("Usage: choreoctl [flags] COMMAND [args]", "", "Commands:");
    out.push(...indent(commandTable(commandSpecs)));
    out.push("", "Flags (every command takes them):", ...indent(flagTable(globalFlags)));
    out.push("", 'Run "choreoctl COMMAND --help" for a command\'s own flags.');
    return out.join("\n") + "\n";
  }
  out.push(spec.summary, "", `Usage: ${name}${spec.usage ? ` ${spec.usage}` : ""}`);
  if (spec.subcommands) out.push("", "Subcommands:", ...indent(commandTable(spec.subcommands)));
  if (spec.flags.length > 0) out.push("", "Flags:", ...indent(flagTable(spec.flags)));
  if (spec.examples?.length) out.push("", "Examples:", ...indent(spec.examples));
  out.push("", 'Every command also takes the flags in "choreoctl --help" (--server, --context, -n, ...).');
  return out.join("\n") + "\n";
}

function commandTable(specs: readonly CommandSpec[]): string[] {
  return formatTable(specs.map((s) => [s.name, s.summary])).lines;
}

function flagTable(flags: readonly FlagSpec[]): string[] {
  return formatTable(
    flags.map((f) => [`${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.value ? ` ${f.value}` : ""}`, f.description]),
  ).lines;
}

function indent(lines: readonly string[]): string[] {
  return lines.map((l) => `  ${l}`);
}
