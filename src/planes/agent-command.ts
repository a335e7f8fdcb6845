import type { PlaneRef } from "./plane-ref.js";

/**
 * The command line that starts a plane's agent with the local driver, for Register to hand back: the
 * token goes in the credential file (never on a command line, where `ps` would show it).
 */
export function agentCommand(plane: PlaneRef, serverUrl: string): string {
  const base = `${plane.namespace}-${plane.kind.toLowerCase()}-${plane.name}`;
  return [
    "npm run agent --",
    `--plane ${plane.name}`,
    `--plane-kind ${plane.kind}`,
    `--credential-file .choreo-agents/${base}.token`,
    `--server ${serverUrl}`,
    "--driver local",
    `--dir .choreo-agents/${base}`,
  ].join(" ");
}
