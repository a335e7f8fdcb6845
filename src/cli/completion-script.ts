import type { CommandSpec } from "./command-spec.js";
import type { FlagSpec } from "./parse-args.js";

export type Shell = "bash" | "zsh";

export interface CompletionInput {
  readonly commands: readonly CommandSpec[];
  readonly globalFlags: readonly FlagSpec[];
  /** What a KIND argument may be: plural and short names. */
  readonly kindNames: readonly string[];
}

/**
 * A completion script. Its core, `__choreoctl_complete`, is plain sh that both bash and zsh run: it
 * reads the words typed so far and prints the candidates (`name:description` for commands, or
 * `__files__`), so each shell only adds a few lines of glue. Everything in it comes from the command
 * specs and the kind registry; object and context names are asked of choreoctl itself when needed.
 */
export function completionScript(shell: Shell, input: CompletionInput): string {
  const core = coreFunction(input);
  return shell === "bash" ? bashScript(core) : zshScript(core);
}

function coreFunction({ commands, globalFlags, kindNames }: CompletionInput): string {
  const root: CommandSpec = { name: "", summary: "", usage: "", flags: [] };
  const specs = [{ key: "", spec: root }, ...commandPaths(commands)];
  const valueFlags = [...new Set([...globalFlags, ...specs.flatMap((s) => s.spec.flags)].filter((f) => f.value).flatMap(flagWords))];
  const parents = commands.filter((c) => c.subcommands).map((c) => c.name);
  const lines = (values: readonly string[]) => `printf '%s\\n' ${values.map(quote).join(" ")}`;

  const valueCases = specs.flatMap(({ key, spec }) =>
    [...globalFlags, ...spec.flags].flatMap((flag) => {
      const values = valueCandidates(flag, lines);
      return values ? [`      ${flagWords(flag).map((w) => `"${key}:${w}"`).join("|")}) ${values} ;;`] : [];
    }),
  );
  const flagCases = specs.map(
    ({ key, spec }) => `        "${key}") ${lines([...globalFlags, ...spec.flags].map((f) => `--${f.name}`))} ;;`,
  );
  const positionalCases = specs.flatMap(({ key, spec }) => {
    if (key === "") return [`    "") ${lines(commands.map((c) => `${c.name}:${c.summary}`))} ;;`];
    if (spec.subcommands) return [`    "${key}") [ "$npos" -eq 0 ] && ${lines(spec.subcommands.map((s) => `${s.name}:${s.summary}`))} ;;`];
    switch (spec.completes) {
      case "kind":
        return [`    "${key}") if [ "$npos" -eq 0 ]; then ${lines(kindNames)}; else __choreoctl_objects "$kind" "$ns"; fi ;;`];
      case "context":
        return [`    "${key}") [ "$npos" -eq 0 ] && ${contexts} ;;`];
      case "shell":
        return [`    "${key}") [ "$npos" -eq 0 ] && ${lines(["bash", "zsh"])} ;;`];
      default:
        return [];
    }
  });

  return `# The words typed so far in ($1 the one being completed, then those before it), candidates out,
# one per line ("word" or "word:description", or __files__). Shared by the bash and zsh glue below.
__choreoctl_complete() {
  local cur="$1" cmd="" sub="" nested="" kind="" ns="" want="" npos=0
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      ${valueFlags.join("|")})
        if [ $# -eq 1 ]; then want="$1"; break; fi
        case "$1" in -n|--namespace) ns="$2" ;; esac
        shift ;;
      -*) ;;
      *)
        if [ -z "$cmd" ]; then
          cmd="$1"
          case "$cmd" in ${parents.join("|")}) nested=1 ;; esac
        elif [ -n "$nested" ] && [ -z "$sub" ]; then
          sub="$1"
        else
          [ "$npos" -eq 0 ] && kind="$1"
          npos=$((npos + 1))
        fi ;;
    esac
    shift
  done
  local key="$cmd\${sub:+ $sub}"
  if [ -n "$want" ]; then
    case "$key:$want" in
${valueCases.join("\n")}
    esac
    return
  fi
  case "$cur" in
    -*)
      case "$key" in
${flagCases.join("\n")}
      esac
      return ;;
  esac
  case "$key" in
${positionalCases.join("\n")}
  esac
}

# Names of the objects of a kind, from the server (nothing when it does not answer).
__choreoctl_objects() {
  if [ -n "$2" ]; then choreoctl get "$1" -o name -n "$2"; else choreoctl get "$1" -o name; fi 2>/dev/null | sed 's|^.*/||'
}
`;
}

const contexts = "choreoctl config get-contexts -o name 2>/dev/null";

function bashScript(core: string): string {
  return `# bash completion for choreoctl. Load it with: source <(choreoctl completion bash)
${core}
_choreoctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" candidates
  candidates="$(__choreoctl_complete "$cur" "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  if [ "$candidates" = __files__ ]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -W "$(printf '%s\\n' "$candidates" | sed 's/:.*//')" -- "$cur")
}
complete -F _choreoctl choreoctl
`;
}

function zshScript(core: string): string {
  return `#compdef choreoctl
# zsh completion for choreoctl. Load it with: source <(choreoctl completion zsh) (after compinit),
# or save it as _choreoctl in a directory of $fpath.
${core}
_choreoctl() {
  local out
  local -a candidates
  out="$(__choreoctl_complete "\${words[CURRENT]}" "\${(@)words[2,CURRENT-1]}")"
  if [[ "$out" == __files__ ]]; then
    _files
    return
  fi
  candidates=("\${(@f)out}")
  _describe -t values choreoctl candidates
}
if [ "$funcstack[1]" = "_choreoctl" ]; then
  _choreoctl "$@"
else
  compdef _choreoctl choreoctl
fi
`;
}

/** Every command and subcommand with its key as the shell sees it: "get", "config set-context". */
function commandPaths(commands: readonly CommandSpec[]): { key: string; spec: CommandSpec }[] {
  return commands.flatMap((c) => [{ key: c.name, spec: c }, ...(c.subcommands ?? []).map((s) => ({ key: `${c.name} ${s.name}`, spec: s }))]);
}

function flagWords(flag: FlagSpec): string[] {
  return [...(flag.short ? [`-${flag.short}`] : []), `--${flag.name}`];
}

/** The shell command printing a flag's value candidates, or undefined when they cannot be guessed. */
function valueCandidates(flag: FlagSpec, lines: (values: readonly string[]) => string): string | undefined {
  const values = flag.choices ?? flag.suggestions;
  if (values) return lines(values);
  if (flag.value === "FILE") return "echo __files__";
  if (flag.name === "context") return contexts;
  return undefined;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
