import type { CommandSpec } from "./command-spec.js";

const env = { name: "env", value: "ENV", description: "the environment whose pods to look at (required)" } as const;

/** logs and tree: what runs, read through the data plane's agent. */
export const runtimeCommandSpecs: readonly CommandSpec[] = [
  {
    name: "logs",
    summary: "Print a component's container logs in an environment, each line prefixed with its pod and container; with -f, follow them (new pods joined)",
    usage: "COMPONENT --env ENV [-c CONTAINER] [--pod POD] [-f] [--since 10m|TIME] [--tail N] [--timestamps]",
    flags: [
      env,
      { name: "container", short: "c", value: "NAME", description: "only this container of each pod" },
      { name: "pod", value: "NAME", description: "only this pod" },
      { name: "follow", short: "f", description: "keep printing new lines, of pods that start later too, until Ctrl-C" },
      { name: "since", value: "DURATION|TIME", description: "only lines newer than this (10m, 1h) or from this RFC 3339 time on" },
      { name: "tail", value: "N", description: "the last N lines of each container (default: all)" },
      { name: "timestamps", description: "prefix each line with its time" },
    ],
    examples: ["choreoctl logs hello-service --env development -f", "choreoctl logs hello-service --env development --since 10m --tail 20 --timestamps"],
    load: () => import("./run-logs.js").then((m) => m.runLogs),
  },
  {
    name: "tree",
    summary: "Show what a component runs in an environment: its objects and what the cluster made of them (ReplicaSets, Pods, Jobs), with health and age",
    usage: "COMPONENT --env ENV [-w]",
    flags: [env, { name: "watch", short: "w", description: "print the tree again whenever it changes (Ctrl-C to stop)" }],
    examples: ["choreoctl tree hello-service --env development", "choreoctl tree nightly-report --env development -w"],
    load: () => import("./run-tree.js").then((m) => m.runTree),
  },
];
