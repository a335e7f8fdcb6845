import type { CommandSpec } from "./command-spec.js";
import type { FlagSpec } from "./parse-args.js";

const grace: FlagSpec = { name: "grace", value: "DURATION", description: "how long the replaced token stays valid, so a connected agent keeps its stream (default 5m)" };

/** plane register|rotate|revoke: the credentials of plane agents (DataPlaneService, BuildPlaneService). */
export const planeCommandSpecs: readonly CommandSpec[] = [
  {
    name: "plane",
    summary: "Register a data plane or build plane for its agent, rotate or revoke its credential (platform admins)",
    usage: "register|rotate|revoke dataplane|buildplane NAME ...",
    flags: [],
    subcommands: [
      {
        name: "register",
        summary: "Issue a plane's agent credential (printed once, alone on the last line) and say how to start the agent",
        usage: "dataplane|buildplane NAME [--replace [--grace 5m]]",
        flags: [{ name: "replace", description: "replace the credential the plane already has (without it: already exists)" }, grace],
        examples: ["choreoctl plane register dataplane edge | tail -n 1 > edge.token", "choreoctl plane register dataplane edge --replace --grace 10m"],
        load: () => import("./run-plane.js").then((m) => m.runPlaneRegister),
      },
      {
        name: "rotate",
        summary: "Issue a new credential; the previous one stays valid for the grace period",
        usage: "dataplane|buildplane NAME [--grace 5m]",
        flags: [grace],
        load: () => import("./run-plane.js").then((m) => m.runPlaneRotate),
      },
      {
        name: "revoke",
        summary: "Revoke a plane's credential: its agent's stream ends, the token is refused from then on",
        usage: "dataplane|buildplane NAME",
        flags: [],
        load: () => import("./run-plane.js").then((m) => m.runPlaneRevoke),
      },
    ],
  },
];
