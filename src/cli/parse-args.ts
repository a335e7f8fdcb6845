import { usageError } from "./cli-error.js";

/** A flag a command accepts. */
export interface FlagSpec {
  /** Long name without dashes, e.g. "namespace". */
  readonly name: string;
  /** One letter, e.g. "n". */
  readonly short?: string;
  /** Placeholder of its value in help, e.g. "FILE"; a flag without one is a switch. */
  readonly value?: string;
  readonly description: string;
  /** Values the flag accepts (checked, and offered by shell completion). */
  readonly choices?: readonly string[];
  /** Values shell completion offers when the flag takes others too. */
  readonly suggestions?: readonly string[];
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** Every value given to a flag, in order (`-f a -f b`). */
  values(name: string): readonly string[];
  /** The last value given to a flag. */
  value(name: string): string | undefined;
  /** A switch: `--wait`, `--wait=true` or `--wait=false`. */
  enabled(name: string): boolean;
  /** Whether the flag appeared at all. */
  has(name: string): boolean;
}

export interface ParseOptions {
  /** Stop at the first positional and return it and what follows unparsed (a command and its args). */
  readonly stopAtPositional?: boolean;
  /** Names the command in usage errors. */
  readonly command?: string;
}

export interface ParseResult {
  readonly args: ParsedArgs;
  /** With stopAtPositional: the first positional and everything after it. */
  readonly rest: readonly string[];
}

/**
 * A small GNU-style parser: `--name value`, `--name=value`, `-n value`, `-nvalue`, clustered switches
 * (`-AR`), `--` ends the flags, a lone `-` is a value (stdin). Unknown flags are usage errors, so a typo
 * never silently changes what a command does.
 */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], options: ParseOptions = {}): ParseResult {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const found = new Map<string, string[]>();
  const positionals: string[] = [];
  const fail = (message: string) => usageError(message, options.command);

  const record = (spec: FlagSpec, raw: string | undefined, next: () => string | undefined, shown: string) => {
    let value: string;
    if (spec.value) {
      const v = raw ?? next();
      if (v === undefined) throw fail(`flag ${shown} needs a value (${spec.value})`);
      if (spec.choices && !spec.choices.includes(v)) {
        throw fail(`flag ${shown}: "${v}" is not one of ${spec.choices.join(", ")}`);
      }
      value = v;
    } else {
      if (raw !== undefined && raw !== "true" && raw !== "false") throw fail(`flag ${shown} is a switch: use ${shown} or ${shown}=false`);
      value = raw ?? "true";
    }
    found.set(spec.name, [...(found.get(spec.name) ?? []), value]);
  };

  let i = 0;
  const next = () => (i + 1 < argv.length ? argv[++i] : undefined);
  for (; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const name = token.slice(2, eq < 0 ? undefined : eq);
      const spec = byLong.get(name);
      if (!spec) throw fail(`unknown flag --${name}`);
      record(spec, eq < 0 ? undefined : token.slice(eq + 1), next, `--${name}`);
    } else if (token.startsWith("-") && token.length > 1) {
      // A cluster of switches, possibly ending in a flag that takes the rest (or the next word) as value.
      for (let j = 1; j < token.length; j++) {
        const letter = token[j]!;
        const spec = byShort.get(letter);
        if (!spec) throw fail(`unknown flag -${letter}`);
        if (spec.value) {
          const attached = token.slice(j + 1).replace(/^=/, "");
          record(spec, attached || undefined, next, `-${letter}`);
          break;
        }
        record(spec, undefined, next, `-${letter}`);
      }
    } else if (options.stopAtPositional) {
      return { args: parsedArgs(positionals, found), rest: argv.slice(i) };
    } else {
      positionals.push(token);
    }
  }
  return { args: parsedArgs(positionals, found), rest: [] };
}

function parsedArgs(positionals: string[], found: Map<string, string[]>): ParsedArgs {
  return {
    positionals,
    values: (name) => found.get(name) ?? [],
    value: (name) => found.get(name)?.at(-1),
    enabled: (name) => found.get(name)?.at(-1) === "true",
    has: (name) => found.has(name),
  };
}
