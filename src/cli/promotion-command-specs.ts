import type { CommandSpec } from "./command-spec.js";
import type { FlagSpec } from "./parse-args.js";

const wait: FlagSpec = { name: "wait", description: "wait until the promotion ends (Succeeded, Failed, Rejected or Expired)" };
const timeout: FlagSpec = { name: "timeout", value: "DURATION", description: "with --wait, how long to wait (e.g. 90s, 10m; default 5m)" };
const reason: FlagSpec = { name: "reason", value: "TEXT", description: "why, kept in the promotion and its history" };
const comment: FlagSpec = { name: "comment", value: "TEXT", description: "a note kept with the decision" };

/** promote, approve, reject, rollback and history: PromotionService from the command line. */
export const promotionCommandSpecs: readonly CommandSpec[] = [
  {
    name: "promote",
    summary: "Promote a component (or every component of a project) to the next environment of its pipeline",
    usage: "COMPONENT --from ENV --to ENV [--wait [--timeout 5m]] [--reason TEXT]\n       choreoctl promote project NAME --from ENV --to ENV [--wait [--timeout 5m]] [--reason TEXT]",
    flags: [
      { name: "from", value: "ENV", description: "the environment whose tested artifact moves" },
      { name: "to", value: "ENV", description: "the environment it moves to; the pipeline must have the path" },
      wait,
      timeout,
      reason,
    ],
    examples: [
      "choreoctl promote greeter --from development --to staging --wait",
      "choreoctl promote project shop --from staging --to production",
    ],
    load: () => import("./run-promote.js").then((m) => m.runPromote),
  },
  {
    name: "approve",
    summary: "Approve promotions waiting for approval (another principal than the requester, with the approver role)",
    usage: "PROMOTION... [--comment TEXT]",
    flags: [comment],
    examples: ["CHOREO_TOKEN=$APPROVER_TOKEN choreoctl approve greeter-production-1a2b3c4d --comment 'CHG-42'"],
    load: () => import("./run-decide.js").then((m) => m.runApprove),
  },
  {
    name: "reject",
    summary: "Reject promotions waiting for approval",
    usage: "PROMOTION... [--comment TEXT]",
    flags: [comment],
    examples: ["choreoctl reject greeter-production-1a2b3c4d --comment 'not this week'"],
    load: () => import("./run-decide.js").then((m) => m.runReject),
  },
  {
    name: "rollback",
    summary: "Deploy an earlier artifact of a component to an environment (a promotion recorded as a rollback)",
    usage: "COMPONENT --env ENV [--to ARTIFACT] [--wait [--timeout 5m]] [--reason TEXT]",
    flags: [
      { name: "env", value: "ENV", description: "the environment to roll back" },
      { name: "to", value: "ARTIFACT", description: "the DeployableArtifact to go back to (default: the one before the current)" },
      wait,
      timeout,
      reason,
    ],
    examples: ["choreoctl rollback greeter --env production --wait", "choreoctl history greeter --env production   # to pick an artifact"],
    load: () => import("./run-rollback.js").then((m) => m.runRollback),
  },
  {
    name: "history",
    summary: "What a component ran in each environment, newest first: promotions, rollbacks and builds",
    usage: "COMPONENT [--env ENV]",
    flags: [{ name: "env", value: "ENV", description: "only this environment" }],
    examples: ["choreoctl history greeter", "choreoctl history greeter --env production"],
    load: () => import("./run-history.js").then((m) => m.runHistory),
  },
];
