import type { CommandSpec } from "./command-spec.js";

/** token create|list|revoke and whoami: TokenService and IdentityService from the command line. */
export const tokenCommandSpecs: readonly CommandSpec[] = [
  {
    name: "token",
    summary: "Create, list and revoke API tokens",
    usage: "create|list|revoke ...",
    flags: [],
    subcommands: [
      {
        name: "create",
        summary: "Create an API token (printed once, alone on the last line) and the grant of its role",
        usage: "NAME [--org ORG --role admin|developer|approver|viewer | --role platform-admin] [--ttl 24h|0]",
        flags: [
          { name: "org", value: "ORG", description: "the organization the role applies in" },
          { name: "role", value: "ROLE", description: "admin, developer, approver or viewer (with --org), or platform-admin" },
          { name: "ttl", value: "DURATION", description: "how long the token is valid (default: the server's, 30 days unless configured); 0 never expires (platform admins only)" },
        ],
        examples: ["choreoctl token create ci --org acme --role developer --ttl 24h", "TOKEN=$(choreoctl token create ci --org acme --role developer | tail -n 1)"],
        load: () => import("./run-token.js").then((m) => m.runTokenCreate),
      },
      {
        name: "list",
        summary: "List the tokens you may manage or created (never the tokens themselves)",
        usage: "[--org ORG]",
        flags: [{ name: "org", value: "ORG", description: "only the tokens of this organization" }],
        load: () => import("./run-token.js").then((m) => m.runTokenList),
      },
      {
        name: "revoke",
        summary: "Revoke a token: refused from then on, its open streams end, its grant is deleted",
        usage: "NAME",
        flags: [],
        load: () => import("./run-token.js").then((m) => m.runTokenRevoke),
      },
    ],
  },
  {
    name: "whoami",
    summary: "Show who the server takes you for: your subject and your roles per organization",
    usage: "",
    flags: [],
    load: () => import("./run-whoami.js").then((m) => m.runWhoami),
  },
];
