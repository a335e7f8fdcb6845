import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isConfigError, parseConfig, unknownConfigVariables } from "./config.js";

const cwd = "/srv/choreo";

function issuesOf(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    parseConfig(env, cwd);
  } catch (err) {
    if (isConfigError(err)) return [...err.issues];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    expect(parseConfig({}, cwd)).toEqual({
      host: "127.0.0.1",
      port: 8080,
      dataDir: path.join(cwd, ".choreo"),
      tls: undefined,
      logLevel: "info",
      logFormat: "auto",
      tokenTtlMs: 30 * 24 * 3_600_000,
      oidc: undefined,
      audit: { maxAgeMs: 90 * 24 * 3_600_000, maxRecords: 1_000_000 },
      openEndpoints: ["health", "reflection", "metrics"],
      embeddedAgents: true,
      agentSimulation: true,
      store: "sqlite",
      // The namespace is the pod's when the tests run in one, openchoreo-system elsewhere.
      kubernetes: { kubeconfig: undefined, namespace: expect.any(String), advertiseUrl: undefined, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
      promotionTtlMs: 24 * 3_600_000,
      buildTimeoutMs: 3_600_000,
      maxMessageBytes: 16 * 1024 * 1024,
      shutdownGraceMs: 4000,
      corsOrigins: [],
      limits: { ratePerSecond: 5000, burst: 10_000, streamsPerPrincipal: 1000, streamsPerAgent: 4, watchStreams: 5000, requestTimeoutMs: 300_000, maxPageSize: 1000 },
      agent: { heartbeatMs: 10_000, timeoutMs: 30_000, maxInFlight: 8, maxMessageBytes: 1024 * 1024 },
    });
  });

  it("reads every variable", () => {
    const config = parseConfig(
      {
        CHOREO_HOST: "0.0.0.0",
        CHOREO_PORT: "0",
        CHOREO_DATA_DIR: "var/data",
        CHOREO_TLS_CERT: "tls/cert.pem",
        CHOREO_TLS_KEY: "/etc/key.pem",
        CHOREO_LOG_LEVEL: "debug",
        CHOREO_LOG_FORMAT: "json",
        CHOREO_TOKEN_TTL: "24h",
        CHOREO_OPEN_ENDPOINTS: "health, metrics",
        CHOREO_OIDC_ISSUER: "https://id.example.com/realms/platform",
        CHOREO_OIDC_CLIENT_ID: "choreoctl",
        CHOREO_OIDC_AUDIENCE: "choreoctl, console",
        CHOREO_OIDC_SUBJECT_CLAIM: "email",
        CHOREO_OIDC_GROUPS_CLAIM: "roles",
        CHOREO_OIDC_CA_FILE: "ca/issuer.pem",
        CHOREO_OIDC_CLOCK_SKEW_SECONDS: "10",
        CHOREO_OIDC_SCOPES: "openid email offline_access",
        CHOREO_AUDIT_MAX_AGE: "720h",
        CHOREO_AUDIT_MAX_RECORDS: "50000",
        CHOREO_EMBEDDED_AGENTS: "0",
        CHOREO_AGENT_SIMULATION: "0",
        CHOREO_STORE: "kubernetes",
        KUBECONFIG: "/etc/kube/config",
        CHOREO_KUBERNETES_NAMESPACE: "platform",
        CHOREO_ADVERTISE_URL: "https://10.0.3.7:8443",
        CHOREO_LEASE_DURATION_SECONDS: "30",
        CHOREO_LEASE_RENEW_DEADLINE_SECONDS: "20",
        CHOREO_LEASE_RETRY_PERIOD_SECONDS: "4",
        CHOREO_PROMOTION_TTL: "1h30m",
        CHOREO_BUILD_TIMEOUT: "20m",
        CHOREO_MAX_MESSAGE_BYTES: "1048576",
        CHOREO_SHUTDOWN_GRACE_MS: "250",
        CHOREO_CORS_ORIGINS: "http://localhost:5173, https://console.example.com",
        CHOREO_AGENT_HEARTBEAT_SECONDS: "2",
        CHOREO_AGENT_TIMEOUT_SECONDS: "5",
        CHOREO_AGENT_MAX_IN_FLIGHT: "3",
        CHOREO_AGENT_MAX_MESSAGE_BYTES: "65536",
        CHOREO_RATE_LIMIT: "100",
        CHOREO_RATE_LIMIT_BURST: "200",
        CHOREO_MAX_STREAMS_PER_PRINCIPAL: "50",
        CHOREO_MAX_STREAMS_PER_AGENT: "2",
        CHOREO_MAX_WATCH_STREAMS: "500",
        CHOREO_REQUEST_TIMEOUT: "30s",
        CHOREO_MAX_PAGE_SIZE: "200",
      },
      cwd,
    );
    expect(config).toEqual({
      host: "0.0.0.0",
      port: 0,
      dataDir: "/srv/choreo/var/data",
      tls: { certFile: "/srv/choreo/tls/cert.pem", keyFile: "/etc/key.pem" },
      logLevel: "debug",
      logFormat: "json",
      tokenTtlMs: 24 * 3_600_000,
      oidc: {
        issuer: "https://id.example.com/realms/platform",
        clientId: "choreoctl",
        audiences: ["choreoctl", "console"],
        subjectClaim: "email",
        groupsClaim: "roles",
        caFile: "/srv/choreo/ca/issuer.pem",
        clockSkewSeconds: 10,
        scopes: ["openid", "email", "offline_access"],
      },
      audit: { maxAgeMs: 720 * 3_600_000, maxRecords: 50_000 },
      openEndpoints: ["health", "metrics"],
      embeddedAgents: false,
      agentSimulation: false,
      store: "kubernetes",
      kubernetes: { kubeconfig: ["/etc/kube/config"], namespace: "platform", advertiseUrl: "https://10.0.3.7:8443", leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 4_000 },
      promotionTtlMs: 90 * 60_000,
      buildTimeoutMs: 20 * 60_000,
      maxMessageBytes: 1048576,
      shutdownGraceMs: 250,
      corsOrigins: ["http://localhost:5173", "https://console.example.com"],
      limits: { ratePerSecond: 100, burst: 200, streamsPerPrincipal: 50, streamsPerAgent: 2, watchStreams: 500, requestTimeoutMs: 30_000, maxPageSize: 200 },
      agent: { heartbeatMs: 2000, timeoutMs: 5000, maxInFlight: 3, maxMessageBytes: 65536 },
    });
  });

  it("wants the agent timeout longer than the heartbeat, and agent messages within the server's limit", () => {
    expect(issuesOf({ CHOREO_AGENT_HEARTBEAT_SECONDS: "10", CHOREO_AGENT_TIMEOUT_SECONDS: "10" })[0]?.variable).toBe("CHOREO_AGENT_TIMEOUT_SECONDS");
    expect(issuesOf({ CHOREO_MAX_MESSAGE_BYTES: "65536", CHOREO_AGENT_MAX_MESSAGE_BYTES: "131072" })[0]?.variable).toBe("CHOREO_AGENT_MAX_MESSAGE_BYTES");
  });

  it("refuses a page size the list handlers would not honour", () => {
    expect(issuesOf({ CHOREO_MAX_PAGE_SIZE: "5000" })[0]).toMatchObject({ variable: "CHOREO_MAX_PAGE_SIZE", message: expect.stringContaining("from 1 to 1000") });
    expect(issuesOf({ CHOREO_MAX_PAGE_SIZE: "0" })[0]?.variable).toBe("CHOREO_MAX_PAGE_SIZE");
  });

  it("treats an empty variable as unset", () => {
    expect(parseConfig({ CHOREO_PORT: "", CHOREO_TLS_CERT: "", CHOREO_TLS_KEY: "" }, cwd)).toMatchObject({
      port: 8080,
      tls: undefined,
    });
  });

  it.each([
    ["CHOREO_PORT", "http"],
    ["CHOREO_PORT", "65536"],
    ["CHOREO_PORT", "-1"],
    ["CHOREO_PORT", "80.5"],
    ["CHOREO_MAX_MESSAGE_BYTES", "4MiB"],
    ["CHOREO_SHUTDOWN_GRACE_MS", "1e3"],
    ["CHOREO_LOG_LEVEL", "verbose"],
    ["CHOREO_LOG_FORMAT", "text"],
    ["CHOREO_TOKEN_TTL", "30"],
    ["CHOREO_OPEN_ENDPOINTS", "health,console"],
    ["CHOREO_EMBEDDED_AGENTS", "true"],
    ["CHOREO_PROMOTION_TTL", "1d"],
    ["CHOREO_PROMOTION_TTL", "500ms"],
    ["CHOREO_BUILD_TIMEOUT", "forever"],
    ["CHOREO_CORS_ORIGINS", "localhost:5173"],
    ["CHOREO_CORS_ORIGINS", "http://a.example/path"],
    ["CHOREO_AGENT_HEARTBEAT_SECONDS", "0"],
    ["CHOREO_AGENT_MAX_IN_FLIGHT", "0"],
    ["CHOREO_AGENT_MAX_MESSAGE_BYTES", "100"],
  ])("rejects %s=%s, naming the variable", (variable, value) => {
    const issues = issuesOf({ [variable]: value });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.variable).toBe(variable);
    expect(issues[0]?.message).toMatch(/must be/);
  });

  it("reports every wrong variable at once", () => {
    const issues = issuesOf({ CHOREO_PORT: "x", CHOREO_LOG_LEVEL: "loud" });
    expect(issues.map((i) => i.variable).sort()).toEqual(["CHOREO_LOG_LEVEL", "CHOREO_PORT"]);
  });

  it("wants the TLS certificate and key together", () => {
    expect(issuesOf({ CHOREO_TLS_CERT: "c.pem" })).toEqual([
      { variable: "CHOREO_TLS_KEY", message: expect.stringMatching(/set together/) },
    ]);
    expect(issuesOf({ CHOREO_TLS_KEY: "k.pem" })[0]?.variable).toBe("CHOREO_TLS_CERT");
  });
});

describe("CHOREO_OPEN_ENDPOINTS", () => {
  it("closes everything with none", () => {
    expect(parseConfig({ CHOREO_OPEN_ENDPOINTS: "none" }, cwd).openEndpoints).toEqual([]);
  });

  it("refuses an OIDC issuer it could not trust, or without the client choreoctl signs in as", () => {
    expect(issuesOf({ CHOREO_OIDC_ISSUER: "http://id.example.com", CHOREO_OIDC_CLIENT_ID: "c" })[0]!.variable).toBe("CHOREO_OIDC_ISSUER");
    expect(issuesOf({ CHOREO_OIDC_ISSUER: "https://id.example.com" })).toEqual([{ variable: "CHOREO_OIDC_CLIENT_ID", message: expect.stringMatching(/required/) }]);
    expect(issuesOf({ CHOREO_OIDC_ISSUER: "https://id.example.com", CHOREO_OIDC_CLIENT_ID: "c", CHOREO_OIDC_SCOPES: "email" })[0]!.variable).toBe("CHOREO_OIDC_SCOPES");
    expect(issuesOf({ CHOREO_OIDC_SUBJECT_CLAIM: "name" })[0]!.variable).toBe("CHOREO_OIDC_SUBJECT_CLAIM");
    expect(parseConfig({ CHOREO_OIDC_ISSUER: "http://127.0.0.1:5556", CHOREO_OIDC_CLIENT_ID: "choreoctl" }, cwd).oidc?.audiences).toEqual(["choreoctl"]);
  });
});

describe("the Kubernetes store", () => {
  it("keeps SQLite by default, and reads the cluster, namespace and lease terms for CHOREO_STORE=kubernetes", () => {
    expect(parseConfig({}, cwd).store).toBe("sqlite");
    const config = parseConfig({ CHOREO_STORE: "kubernetes", KUBECONFIG: "kube/config", CHOREO_KUBERNETES_NAMESPACE: "platform" }, cwd);
    expect(config.store).toBe("kubernetes");
    expect(config.kubernetes).toEqual({
      kubeconfig: [path.join(cwd, "kube/config")],
      namespace: "platform",
      advertiseUrl: undefined,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(() => parseConfig({ CHOREO_ADVERTISE_URL: "10.0.3.7:8080/api" }, cwd)).toThrow(/CHOREO_ADVERTISE_URL: must be http\(s\):\/\/host:port with no path/);
    // Several files, as kubectl reads KUBECONFIG (empty entries skipped), each resolved from the working directory.
    expect(parseConfig({ KUBECONFIG: ["kube/config", "", "/etc/kube/extra"].join(path.delimiter) }, cwd).kubernetes.kubeconfig).toEqual([path.join(cwd, "kube/config"), "/etc/kube/extra"]);
    const short = parseConfig({ CHOREO_LEASE_DURATION_SECONDS: "8", CHOREO_LEASE_RENEW_DEADLINE_SECONDS: "6", CHOREO_LEASE_RETRY_PERIOD_SECONDS: "1" }, cwd);
    expect([short.kubernetes.leaseDurationMs, short.kubernetes.renewDeadlineMs, short.kubernetes.retryPeriodMs]).toEqual([8_000, 6_000, 1_000]);
  });

  it("refuses an unknown store, a namespace that is not a DNS label, and lease terms that would let two leaders overlap", () => {
    expect(issuesOf({ CHOREO_STORE: "etcd" })[0]!.variable).toBe("CHOREO_STORE");
    expect(issuesOf({ CHOREO_KUBERNETES_NAMESPACE: "Platform_1" })[0]!.variable).toBe("CHOREO_KUBERNETES_NAMESPACE");
    expect(issuesOf({ CHOREO_LEASE_DURATION_SECONDS: "10", CHOREO_LEASE_RENEW_DEADLINE_SECONDS: "10" })).toEqual([
      { variable: "CHOREO_LEASE_RENEW_DEADLINE_SECONDS", message: expect.stringMatching(/shorter than CHOREO_LEASE_DURATION_SECONDS/) },
    ]);
    expect(issuesOf({ CHOREO_LEASE_RETRY_PERIOD_SECONDS: "10" })[0]!.variable).toBe("CHOREO_LEASE_RENEW_DEADLINE_SECONDS");
  });
});

describe("unknownConfigVariables", () => {
  it("lists CHOREO_ variables that are not read, and nothing else", () => {
    expect(unknownConfigVariables({ CHOREO_PROT: "1", CHOREO_PORT: "1", PATH: "/bin" })).toEqual(["CHOREO_PROT"]);
  });
});
