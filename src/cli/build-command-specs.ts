import type { CommandSpec } from "./command-spec.js";

/** build trigger, list, logs and cancel: BuildService from the command line. */
export const buildCommandSpec: CommandSpec = {
  name: "build",
  summary: "Build components from source in their build plane: trigger, list, follow logs, cancel",
  usage: "SUBCOMMAND",
  flags: [],
  subcommands: [
    {
      name: "trigger",
      summary: "Build a component from its spec.build (repository and template), optionally at another commit or branch",
      usage: "COMPONENT [--commit SHA | --branch NAME] [--wait [--timeout 30m]]",
      flags: [
        { name: "commit", value: "SHA", description: "build this commit instead of the branch's head" },
        { name: "branch", value: "NAME", description: "build this branch instead of the component's" },
        { name: "wait", description: "follow the build's steps until it ends; exit 1 unless it succeeded" },
        { name: "timeout", value: "DURATION", description: "with --wait, how long to wait (default 30m)" },
      ],
      examples: ["choreoctl build trigger greeting-service --wait", "choreoctl build trigger greeting-service --commit 1a2b3c4d5e6f"],
      load: () => import("./run-build.js").then((m) => m.runBuildTrigger),
    },
    {
      name: "list",
      summary: "List builds, newest first, of every component or of one",
      usage: "[COMPONENT]",
      flags: [],
      examples: ["choreoctl build list", "choreoctl build list greeting-service"],
      load: () => import("./run-build.js").then((m) => m.runBuildList),
    },
    {
      name: "logs",
      summary: "Print a build's log; with -f, follow it until the build ends",
      usage: "BUILD [-f]",
      flags: [{ name: "follow", short: "f", description: "keep printing new output until the build ends" }],
      examples: ["choreoctl build logs greeting-service-build-1 -f"],
      load: () => import("./run-build.js").then((m) => m.runBuildLogs),
    },
    {
      name: "cancel",
      summary: "Stop a running build (its Workflow is terminated); a finished build is left as it is",
      usage: "BUILD",
      flags: [],
      examples: ["choreoctl build cancel greeting-service-build-1"],
      load: () => import("./run-build.js").then((m) => m.runBuildCancel),
    },
  ],
};
