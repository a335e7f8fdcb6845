import type { CommandSpec } from "./command-spec.js";
import type { FlagSpec } from "./parse-args.js";
import { buildCommandSpec } from "./build-command-specs.js";
import { promotionCommandSpecs } from "./promotion-command-specs.js";
import { planeCommandSpecs } from "./plane-command-specs.js";
import { tokenCommandSpecs } from "./token-command-specs.js";
import { runtimeCommandSpecs } from "./runtime-command-specs.js";

/** Flags every command takes; set, they override the context for one call (scripts, CI). */
export const globalFlags: readonly FlagSpec[] = [
  { name: "server", value: "URL", description: "control plane URL (default: the context's, else http://127.0.0.1:8080)" },
  { name: "token-file", value: "FILE", description: "file holding a bearer token (else env CHOREO_TOKEN, else the context's)" },
  { name: "context", value: "NAME", description: "context of the config file to use instead of the current one" },
  { name: "namespace", short: "n", value: "NAME", description: "namespace (an organization's name) to work in (default: the context's, else default)" },
  { name: "certificate-authority", value: "FILE", description: "PEM file of the CA that signed the server's certificate" },
  { name: "insecure-skip-tls-verify", description: "do not verify the server's certificate (testing only)" },
  { name: "verbose", description: "more detail in errors: the RPC, its code, the request id" },
  { name: "help", short: "h", description: "show help" },
];

const filename: FlagSpec = { name: "filename", short: "f", value: "FILE", description: "a YAML or JSON file, a directory of them, or - for stdin; repeatable" };
const recursive: FlagSpec = { name: "recursive", short: "R", description: "with a directory, read its subdirectories too" };

export const commandSpecs: readonly CommandSpec[] = [
  {
    name: "apply",
    summary: "Create or update objects from YAML or JSON files",
    usage: "-f FILE|DIR|- [-R] [--wait [--timeout 2m]] [--dry-run]",
    flags: [
      filename,
      recursive,
      { name: "wait", description: "wait until every applied object is Ready" },
      { name: "timeout", value: "DURATION", description: "with --wait, how long to wait (e.g. 90s, 2m; default 2m)" },
      { name: "dry-run", description: "validate and default on the server, write nothing" },
    ],
    examples: ["choreoctl apply -f component.yaml", "choreoctl apply -R -f samples/ --wait --timeout 1m", "cat x.yaml | choreoctl apply -f -"],
    load: () => import("./run-apply.js").then((m) => m.runApply),
  },
  {
    name: "get",
    summary: "List objects of a kind, or show some by name",
    usage: "KIND [NAME...] [-o yaml|json|wide|name|jsonpath=TEMPLATE] [-l SELECTOR] [-w] [-A]",
    flags: [
      {
        name: "output",
        short: "o",
        value: "FORMAT",
        description: "yaml, json, wide, name or jsonpath=TEMPLATE (default: a table)",
        suggestions: ["yaml", "json", "wide", "name", "jsonpath="],
      },
      { name: "selector", short: "l", value: "SELECTOR", description: "label selector, e.g. openchoreo.dev/project=shop,tier!=test" },
      { name: "watch", short: "w", description: "after the list, print changes as they happen (Ctrl-C to stop)" },
      { name: "all-namespaces", short: "A", description: "every namespace" },
    ],
    examples: ["choreoctl get components", "choreoctl get comp greeter-service -o yaml", "choreoctl get servicebindings -A -w"],
    completes: "kind",
    load: () => import("./run-get.js").then((m) => m.runGet),
  },
  {
    name: "describe",
    summary: "Show an object in detail: spec, status, conditions, related objects and events",
    usage: "KIND NAME",
    flags: [],
    examples: ["choreoctl describe component greeter-service"],
    completes: "kind",
    load: () => import("./run-describe.js").then((m) => m.runDescribe),
  },
  {
    name: "delete",
    summary: "Delete objects named in files, or by kind and name",
    usage: "(-f FILE|DIR|- [-R] | KIND NAME...) [--ignore-not-found]",
    flags: [filename, recursive, { name: "ignore-not-found", description: "an object that does not exist is not an error" }],
    examples: ["choreoctl delete -f component.yaml", "choreoctl delete component greeter-service"],
    completes: "kind",
    load: () => import("./run-delete.js").then((m) => m.runDelete),
  },
  {
    name: "status",
    summary: "An organization at a glance: environments, projects, components and their readiness per environment",
    usage: "[ORGANIZATION]",
    flags: [],
    examples: ["choreoctl status", "choreoctl status acme"],
    load: () => import("./run-status.js").then((m) => m.runStatus),
  },
  ...runtimeCommandSpecs,
  ...promotionCommandSpecs,
  ...tokenCommandSpecs,
  ...planeCommandSpecs,
  buildCommandSpec,
  {
    name: "login",
    summary: "Sign the context in: OpenID Connect through your identity provider, or an API token file",
    usage: "[--device] [--no-browser] [--issuer URL --client-id ID] | --token-file FILE",
    flags: [
      { name: "device", description: "the device flow: enter a code on any device's browser (for terminals without one)" },
      { name: "no-browser", description: "print the sign-in address instead of opening a browser" },
      { name: "issuer", value: "URL", description: "the OpenID Connect issuer (default: the one the server names)" },
      { name: "client-id", value: "ID", description: "the client to sign in as (default: the one the server names)" },
    ],
    examples: ["choreoctl login", "choreoctl login --device", "choreoctl login --token-file ~/.choreo/ci.token"],
    load: () => import("./run-login.js").then((m) => m.runLogin),
  },
  {
    name: "logout",
    summary: "Forget the context's credential (its sign-in, or the token file it uses)",
    usage: "",
    flags: [],
    load: () => import("./run-logout.js").then((m) => m.runLogout),
  },
  {
    name: "audit",
    summary: "Who changed what, and who was refused: the audit log, newest first",
    usage: "[--since 1h] [--until TIME] [--subject S] [--kind KIND] [-n NAMESPACE] [--result ok|denied|failed] [--limit N] [-o json|yaml|wide]",
    flags: [
      { name: "since", value: "DURATION|TIME", description: "records from this long ago (30m, 24h) or this RFC 3339 time on" },
      { name: "until", value: "DURATION|TIME", description: "records before this long ago or this time" },
      { name: "subject", value: "SUBJECT", description: "only this subject's records (token:ci, oidc:SUB, an email)" },
      { name: "kind", value: "KIND", description: "only records about this kind" },
      { name: "result", value: "RESULT", description: "only ok, denied or failed calls", choices: ["ok", "denied", "failed"] },
      { name: "limit", value: "N", description: "at most N records (default 100, 0 for all)" },
      { name: "output", short: "o", value: "FORMAT", description: "json, yaml or wide (default: a table)", choices: ["json", "yaml", "wide"] },
    ],
    examples: ["choreoctl audit --since 1h", "choreoctl audit --subject oidc:alice --result denied -o wide"],
    load: () => import("./run-audit.js").then((m) => m.runAudit),
  },
  {
    name: "api-resources",
    summary: "List the kinds, with their short names",
    usage: "",
    flags: [],
    load: () => import("./run-api-resources.js").then((m) => m.runApiResources),
  },
  {
    name: "version",
    summary: "Print the client version and whether the server answers",
    usage: "",
    flags: [],
    load: () => import("./run-version.js").then((m) => m.runVersion),
  },
  {
    name: "completion",
    summary: "Print a shell completion script (bash or zsh)",
    usage: "bash|zsh",
    flags: [],
    examples: ["source <(choreoctl completion bash)", "choreoctl completion zsh > \"${fpath[1]}/_choreoctl\""],
    completes: "shell",
    load: () => import("./run-completion.js").then((m) => m.runCompletion),
  },
  {
    name: "config",
    summary: "Manage contexts: which control plane to talk to, and how",
    usage: "SUBCOMMAND",
    flags: [],
    subcommands: [
      {
        name: "set-context",
        summary: "Create or update a context (only the flags given change)",
        usage: "NAME [--server URL] [--token-file FILE] [-n NAMESPACE] [--certificate-authority FILE] [--insecure-skip-tls-verify]",
        flags: [],
        examples: ["choreoctl config set-context local --server http://127.0.0.1:8080"],
        completes: "context",
        load: () => import("./run-config.js").then((m) => m.runConfigSetContext),
      },
      {
        name: "use-context",
        summary: "Make a context the current one",
        usage: "NAME",
        flags: [],
        completes: "context",
        load: () => import("./run-config.js").then((m) => m.runConfigUseContext),
      },
      {
        name: "get-contexts",
        summary: "List the contexts",
        usage: "[-o name]",
        flags: [{ name: "output", short: "o", value: "FORMAT", description: "name: names only", choices: ["name"] }],
        load: () => import("./run-config.js").then((m) => m.runConfigGetContexts),
      },
      {
        name: "current-context",
        summary: "Print the current context's name",
        usage: "",
        flags: [],
        load: () => import("./run-config.js").then((m) => m.runConfigCurrentContext),
      },
    ],
  },
];

