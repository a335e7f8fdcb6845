/** What `npm start` tells a person once it listens (on stderr, beside the logs). */
export interface BannerFacts {
  readonly url: string;
  /** Full names of the services the router answers: the banner lists exactly these. */
  readonly services: readonly string[];
  readonly dataDir: string;
  /** Where the resource model lives, when not SQLite in dataDir (Kubernetes mode). */
  readonly state?: string;
  /** Objects created on a fresh data directory, e.g. "Organization/default". */
  readonly created: readonly string[];
  /** The embedded planes whose agents run as child processes, e.g. "DataPlane default/default". */
  readonly agents: readonly string[] | undefined;
  readonly agentSimulation: boolean;
  /** Where each plane agent keeps its files, under the data directory. */
  readonly agentsDir: string;
  /** Where the first start wrote the platform admin's API token (`<dataDir>/admin.token`). */
  readonly adminTokenFile: string;
  /** Whether this start wrote it (a fresh data directory). */
  readonly adminTokenCreated: boolean;
  /** Where every replica finds that token in Kubernetes mode: "namespace/name" of its Secret. */
  readonly adminTokenSecret?: string;
  /** What answers without a credential (CHOREO_OPEN_ENDPOINTS). */
  readonly openEndpoints: readonly string[];
}

const prefix = "choreo: ";

/**
 * The start-up banner: where the API is, every service it answers, where the data and the agents
 * live, what is simulated rather than run, and the command to run next.
 */
export function startUpBanner(facts: BannerFacts): string {
  const lines = [
    `listening on ${facts.url} (gRPC, gRPC-Web and Connect over HTTP/2 and HTTP/1.1; GET /metrics for Prometheus)`,
    `services: ${facts.services.join(", ")}`,
    `data: ${facts.state ?? `${facts.dataDir} (SQLite)`}${facts.created.length ? `; created ${facts.created.join(", ")}` : ""}`,
    facts.agents?.length
      ? `agents: ${facts.agents.join(", ")} (local driver, child processes; their files under ${facts.agentsDir})`
      : "agents: none started (CHOREO_EMBEDDED_AGENTS=0 or no local-driver plane): remote agents connect with `npm run agent`",
    !facts.agents?.length
      ? "simulated: nothing (no embedded agent runs: planes receive what they are sent only from agents that connect)"
      : facts.agentSimulation
      ? "simulated: no container runs here; the embedded planes report Deployments available and builds succeeded, and the Releases, bindings, components, projects and builds resting on them say Simulated=True (CHOREO_AGENT_SIMULATION=0 turns this off)"
      : "simulated: nothing (the embedded planes record what they are sent; workloads stay Unknown without a real cluster)",
    // Where the token is, never the token: banners end up in terminals' scrollback and CI logs.
    facts.adminTokenSecret
      ? `access: every call needs an API token; the platform admin's is in the Secret ${facts.adminTokenSecret} (key token)${facts.adminTokenCreated ? ` and ${facts.adminTokenFile}, created now` : ""}`
      : facts.adminTokenCreated
      ? `access: every call needs an API token; the platform admin's is in ${facts.adminTokenFile} (created now, readable by you only)`
      : `access: every call needs an API token; the platform admin's is in ${facts.adminTokenFile} (created by the first start)`,
    `open without a token: ${facts.openEndpoints.length > 0 ? facts.openEndpoints.join(", ") : "nothing"} (CHOREO_OPEN_ENDPOINTS)`,
    `next: npx choreoctl config set-context local --server ${facts.url} --token-file ${facts.adminTokenFile} && npx choreoctl config use-context local, then docs/quickstart.sh`,
  ];
  return `${lines.map((l) => `${prefix}${l}`).join("\n")}\n`;
}
