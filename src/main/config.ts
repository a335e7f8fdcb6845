import * as path from "node:path";
import { readFileSync } from "node:fs";
import * as z from "zod";
import { logFormats, type LogFormat } from "../agent/create-logger.js";
import { parseDuration } from "../model/parse-duration.js";

/** The control plane's settings, read once from `CHOREO_*` environment variables. */
export interface Config {
  readonly host: string;
  /** 0 asks the OS for a free port (tests). */
  readonly port: number;
  /** Absolute path. */
  readonly dataDir: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly logLevel: LogLevel;
  /** Text on a terminal, JSON lines otherwise ("auto"); or always one of them. */
  readonly logFormat: LogFormat;
  /** How long an API token lives when its creator names no TTL. */
  readonly tokenTtlMs: number;
  /** OpenID Connect sign-in (CHOREO_OIDC_*); undefined when CHOREO_OIDC_ISSUER is unset: API tokens only. */
  readonly oidc: OidcConfig | undefined;
  /** How long and how many audit records are kept. */
  readonly audit: { readonly maxAgeMs: number; readonly maxRecords: number };
  /** What answers without a credential: any of health, reflection, metrics. */
  readonly openEndpoints: readonly OpenEndpoint[];
  /** How long a promotion may wait (for approval, for its project) before it expires. */
  readonly promotionTtlMs: number;
  /** How long a build may go without news from its build plane before it fails (TimedOut). */
  readonly buildTimeoutMs: number;
  /** Largest single message, in either direction; larger ones fail with resource_exhausted. */
  readonly maxMessageBytes: number;
  /** How long shutdown waits for open calls before cutting connections. */
  readonly shutdownGraceMs: number;
  /** Origins whose browser code may call the API (CORS); "*" for any. */
  readonly corsOrigins: readonly string[];
  /** The plane agents' streams (PlaneAgentService). */
  readonly agent: AgentConfig;
  /** What one caller and the whole server may spend: rates, streams, deadlines, page sizes. */
  readonly limits: LimitsConfig;
  /** Run the agents of the `local`-driver planes (the embedded `default` planes) as child processes. */
  readonly embeddedAgents: boolean;
  /** Whether those agents simulate workloads (available shortly after apply, marked Simulated). */
  readonly agentSimulation: boolean;
  /** Where the resource model is kept: SQLite in the data directory, or custom resources in Kubernetes. */
  readonly store: StoreKind;
  /** The Kubernetes store and leader election (used when store is "kubernetes"). */
  readonly kubernetes: KubernetesConfig;
}

/** What the control plane tells plane agents in its Welcome, and how long it waits on a silent one. */
export interface AgentConfig {
  readonly heartbeatMs: number;
  /** An agent silent this long is marked disconnected and its stream ends. */
  readonly timeoutMs: number;
  /** DesiredRelease parts sent before the agent acknowledges them. */
  readonly maxInFlight: number;
  /** Largest DesiredRelease part; larger Releases are split. */
  readonly maxMessageBytes: number;
}

/** Limits answered with resource_exhausted or deadline_exceeded; 0 switches a rate or stream limit off. */
export interface LimitsConfig {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly streamsPerPrincipal: number;
  readonly streamsPerAgent: number;
  readonly watchStreams: number;
  /** The longest a unary call may run. */
  readonly requestTimeoutMs: number;
  /** The most items a List page holds (page_size 0 or larger gets this many, and a next-page token). */
  readonly maxPageSize: number;
}

export type LogLevel = (typeof logLevels)[number];

export const openEndpointNames = ["health", "reflection", "metrics"] as const;
export type OpenEndpoint = (typeof openEndpointNames)[number];

/** The identity provider whose ID tokens the server accepts, and what choreoctl login asks of it. */
export interface OidcConfig {
  readonly issuer: string;
  /** The public client choreoctl signs in as. */
  readonly clientId: string;
  /** Accepted `aud` values; the client id unless CHOREO_OIDC_AUDIENCE says otherwise. */
  readonly audiences: readonly string[];
  readonly subjectClaim: "sub" | "email";
  readonly groupsClaim: string;
  /** Absolute path of a PEM file with the CA of a private issuer's certificate. */
  readonly caFile: string | undefined;
  readonly clockSkewSeconds: number;
  readonly scopes: readonly string[];
}

export const storeKinds = ["sqlite", "kubernetes"] as const;
export type StoreKind = (typeof storeKinds)[number];

export interface KubernetesConfig {
  /** The kubeconfig files (KUBECONFIG: one, or several separated as PATH is, merged as kubectl does); undefined: the pod's service account. */
  readonly kubeconfig: readonly string[] | undefined;
  /** The control plane's own namespace: its Lease and its admin-token Secret live there. */
  readonly namespace: string;
  /** Where the other replicas reach this one's API (CHOREO_ADVERTISE_URL); undefined: from the listening address. */
  readonly advertiseUrl: string | undefined;
  /** Leader election on the Lease openchoreo-control-plane (client-go's 15 / 10 / 2 s by default). */
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

// Where the kubelet mounts the namespace of the pod's service account.
const serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

function defaultNamespace(): string {
  try {
    return readFileSync(serviceAccountNamespaceFile, "utf8").trim() || "openchoreo-system";
  } catch {
    return "openchoreo-system";
  }
}

/** One variable that is wrong, and why. */
export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.variable}: ${i.message}`).join("\n"));
    this.issues = issues;
  }
}

export const isConfigError = (e: unknown): e is ConfigError =>
  e instanceof Error && e.name === "ConfigError";

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

// An empty variable counts as unset: `CHOREO_TLS_CERT= npm start` is how people switch a setting off.
const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);

function wholeNumber(min: number, max: number, fallback: number) {
  return z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return fallback;
        const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
        if (!(n >= min && n <= max)) {
          ctx.addIssue({
            code: "custom",
            message: `must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`,
          });
          return z.NEVER;
        }
        return n;
      }),
  );
}

const optionalString = z.preprocess(unsetIfEmpty, z.string().optional());

/** A switch that is on unless set to 0. */
const onOff = (what: string) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .enum(["0", "1"], { error: `must be 1 (${what}, the default) or 0` })
      .optional()
      .transform((v) => v !== "0"),
  );

/** A duration such as 30m, 24h or 1h30m, at least a second. */
const durationOf = (fallbackMs: number) =>
  optionalString.transform((raw, ctx) => {
    if (raw === undefined) return fallbackMs;
    const ms = parseDuration(raw);
    if (ms === undefined || ms < 1000) {
      ctx.addIssue({ code: "custom", message: `must be a duration of at least 1s, like 30m, 24h or 1h30m (got ${JSON.stringify(raw)})` });
      return z.NEVER;
    }
    return ms;
  });

const schema = z.object({
  CHOREO_HOST: optionalString.transform((v) => v ?? "127.0.0.1"),
  CHOREO_PORT: wholeNumber(0, 65535, 8080),
  CHOREO_DATA_DIR: optionalString,
  CHOREO_TLS_CERT: optionalString,
  CHOREO_TLS_KEY: optionalString,
  CHOREO_LOG_LEVEL: z.preprocess(
    unsetIfEmpty,
    z
      .enum(logLevels, { error: `must be one of ${logLevels.join(", ")}` })
      .optional()
      .transform((v) => v ?? "info"),
  ),
  CHOREO_LOG_FORMAT: z.preprocess(
    unsetIfEmpty,
    z
      .enum(logFormats, { error: `must be one of ${logFormats.join(", ")}` })
      .optional()
      .transform((v) => v ?? "auto"),
  ),
  CHOREO_TOKEN_TTL: durationOf(30 * 24 * 3_600_000),
  CHOREO_OPEN_ENDPOINTS: optionalString.transform((raw, ctx) => {
    if (raw === undefined) return [...openEndpointNames];
    if (raw.trim() === "none") return [];
    const names = raw.split(",").map((n) => n.trim()).filter((n) => n !== "");
    const bad = names.filter((n) => !(openEndpointNames as readonly string[]).includes(n));
    if (bad.length > 0) {
      ctx.addIssue({ code: "custom", message: `must be a comma-separated list of ${openEndpointNames.join(", ")}, or none (got ${bad.map((b) => JSON.stringify(b)).join(", ")})` });
      return z.NEVER;
    }
    return [...new Set(names)] as OpenEndpoint[];
  }),
  CHOREO_OIDC_ISSUER: optionalString.transform((raw, ctx) => {
    if (raw === undefined) return undefined;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    // Keys fetched over plain HTTP could be anyone's: only an issuer on this machine may use it.
    const loopback = url && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    if (!url || !(url.protocol === "https:" || (url.protocol === "http:" && loopback))) {
      ctx.addIssue({ code: "custom", message: `must be an https:// URL (http:// only on 127.0.0.1 or localhost) (got ${JSON.stringify(raw)})` });
      return z.NEVER;
    }
    return raw;
  }),
  CHOREO_OIDC_CLIENT_ID: optionalString,
  CHOREO_OIDC_AUDIENCE: optionalString,
  CHOREO_OIDC_SUBJECT_CLAIM: z.preprocess(
    unsetIfEmpty,
    z
      .enum(["sub", "email"], { error: "must be sub (subjects oidc:<sub>, the default) or email (the verified email address)" })
      .optional()
      .transform((v) => v ?? "sub"),
  ),
  CHOREO_OIDC_GROUPS_CLAIM: optionalString.transform((v) => v ?? "groups"),
  CHOREO_OIDC_CA_FILE: optionalString,
  CHOREO_OIDC_CLOCK_SKEW_SECONDS: wholeNumber(0, 300, 30),
  CHOREO_OIDC_SCOPES: optionalString.transform((v) => (v ?? "openid offline_access email groups").split(/[\s,]+/).filter((s) => s !== "")),
  CHOREO_AUDIT_MAX_AGE: durationOf(90 * 24 * 3_600_000),
  CHOREO_AUDIT_MAX_RECORDS: wholeNumber(1000, 1_000_000_000, 1_000_000),
  CHOREO_EMBEDDED_AGENTS: onOff("run the embedded planes' agents"),
  CHOREO_AGENT_SIMULATION: onOff("simulate workloads in the embedded planes"),
  CHOREO_STORE: z.preprocess(
    unsetIfEmpty,
    z
      .enum(storeKinds, { error: `must be one of ${storeKinds.join(", ")}` })
      .optional()
      .transform((v) => v ?? "sqlite"),
  ),
  KUBECONFIG: optionalString,
  CHOREO_KUBERNETES_NAMESPACE: optionalString.transform((raw, ctx) => {
    if (raw !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(raw)) {
      ctx.addIssue({ code: "custom", message: `must be a Kubernetes namespace name (a DNS label) (got ${JSON.stringify(raw)})` });
      return z.NEVER;
    }
    return raw;
  }),
  CHOREO_ADVERTISE_URL: optionalString.transform((raw, ctx) => {
    if (raw !== undefined && !/^https?:\/\/[^/\s]+$/.test(raw)) {
      ctx.addIssue({ code: "custom", message: `must be http(s)://host:port with no path (got ${JSON.stringify(raw)})` });
      return z.NEVER;
    }
    return raw;
  }),
  CHOREO_LEASE_DURATION_SECONDS: wholeNumber(2, 3600, 15),
  CHOREO_LEASE_RENEW_DEADLINE_SECONDS: wholeNumber(1, 3600, 10),
  CHOREO_LEASE_RETRY_PERIOD_SECONDS: wholeNumber(1, 3600, 2),
  CHOREO_PROMOTION_TTL: durationOf(24 * 3_600_000),
  CHOREO_BUILD_TIMEOUT: durationOf(3_600_000),
  // 4 GiB - 1 is the largest length a gRPC or Connect envelope can state. 16 MiB holds an Apply of
  // 10,000 typical documents.
  CHOREO_MAX_MESSAGE_BYTES: wholeNumber(1024, 0xffffffff, 16 * 1024 * 1024),
  // Well above what the product's own clients do (the console, choreoctl, thousands of reads a second).
  CHOREO_RATE_LIMIT: wholeNumber(0, 1_000_000, 5000),
  CHOREO_RATE_LIMIT_BURST: wholeNumber(1, 10_000_000, 10_000),
  CHOREO_MAX_STREAMS_PER_PRINCIPAL: wholeNumber(0, 1_000_000, 1000),
  // An agent holds one stream; a reconnect may overlap the old one until the server notices it is gone.
  CHOREO_MAX_STREAMS_PER_AGENT: wholeNumber(0, 1000, 4),
  CHOREO_MAX_WATCH_STREAMS: wholeNumber(0, 1_000_000, 5000),
  CHOREO_REQUEST_TIMEOUT: durationOf(5 * 60_000),
  // The list handlers never return more than 1000 items a page.
  CHOREO_MAX_PAGE_SIZE: wholeNumber(1, 1000, 1000),
  // Kept under 5 s by default so that the whole shutdown, grace included, ends within 5 s.
  CHOREO_SHUTDOWN_GRACE_MS: wholeNumber(0, 600_000, 4000),
  CHOREO_AGENT_HEARTBEAT_SECONDS: wholeNumber(1, 3600, 10),
  CHOREO_AGENT_TIMEOUT_SECONDS: wholeNumber(2, 86_400, 30),
  CHOREO_AGENT_MAX_IN_FLIGHT: wholeNumber(1, 1024, 8),
  CHOREO_AGENT_MAX_MESSAGE_BYTES: wholeNumber(4096, 0xffffffff, 1024 * 1024),
  CHOREO_CORS_ORIGINS: optionalString.transform((raw, ctx) => {
    const origins = (raw ?? "").split(",").map((o) => o.trim()).filter((o) => o !== "");
    const bad = origins.filter((o) => o !== "*" && !/^https?:\/\/[^/\s]+$/.test(o));
    if (bad.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `must be a comma-separated list of origins like http://localhost:5173, or * (got ${bad.map((o) => JSON.stringify(o)).join(", ")})`,
      });
      return z.NEVER;
    }
    return origins;
  }),
});

/**
 * Parses the environment into a Config. Throws a ConfigError naming every variable that is wrong.
 * `cwd` anchors a relative CHOREO_DATA_DIR.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>, cwd: string): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => ({ variable: String(i.path[0] ?? "environment"), message: i.message })),
    );
  }
  const v = result.data;
  if ((v.CHOREO_TLS_CERT === undefined) !== (v.CHOREO_TLS_KEY === undefined)) {
    const missing = v.CHOREO_TLS_CERT === undefined ? "CHOREO_TLS_CERT" : "CHOREO_TLS_KEY";
    throw new ConfigError([
      { variable: missing, message: "CHOREO_TLS_CERT and CHOREO_TLS_KEY must be set together (or neither)" },
    ]);
  }
  if (v.CHOREO_OIDC_ISSUER !== undefined && v.CHOREO_OIDC_CLIENT_ID === undefined) {
    throw new ConfigError([{ variable: "CHOREO_OIDC_CLIENT_ID", message: "required with CHOREO_OIDC_ISSUER: the client choreoctl signs in as" }]);
  }
  if (v.CHOREO_OIDC_ISSUER !== undefined && !v.CHOREO_OIDC_SCOPES.includes("openid")) {
    throw new ConfigError([{ variable: "CHOREO_OIDC_SCOPES", message: "must include openid: without it there is no ID token" }]);
  }
  if (v.CHOREO_AGENT_TIMEOUT_SECONDS <= v.CHOREO_AGENT_HEARTBEAT_SECONDS) {
    throw new ConfigError([
      { variable: "CHOREO_AGENT_TIMEOUT_SECONDS", message: `must be longer than CHOREO_AGENT_HEARTBEAT_SECONDS (${v.CHOREO_AGENT_HEARTBEAT_SECONDS})` },
    ]);
  }
  // A part the server itself could not send would never reach the agent.
  if (v.CHOREO_AGENT_MAX_MESSAGE_BYTES > v.CHOREO_MAX_MESSAGE_BYTES) {
    throw new ConfigError([
      { variable: "CHOREO_AGENT_MAX_MESSAGE_BYTES", message: `must be at most CHOREO_MAX_MESSAGE_BYTES (${v.CHOREO_MAX_MESSAGE_BYTES})` },
    ]);
  }
  // As client-go's elector: the leader must have stopped (renew deadline) before a lease expires for the others.
  if (!(v.CHOREO_LEASE_DURATION_SECONDS > v.CHOREO_LEASE_RENEW_DEADLINE_SECONDS && v.CHOREO_LEASE_RENEW_DEADLINE_SECONDS > v.CHOREO_LEASE_RETRY_PERIOD_SECONDS)) {
    throw new ConfigError([
      {
        variable: "CHOREO_LEASE_RENEW_DEADLINE_SECONDS",
        message: `must be shorter than CHOREO_LEASE_DURATION_SECONDS (${v.CHOREO_LEASE_DURATION_SECONDS}) and longer than CHOREO_LEASE_RETRY_PERIOD_SECONDS (${v.CHOREO_LEASE_RETRY_PERIOD_SECONDS})`,
      },
    ]);
  }
  return {
    host: v.CHOREO_HOST,
    port: v.CHOREO_PORT,
    dataDir: path.resolve(cwd, v.CHOREO_DATA_DIR ?? ".choreo"),
    tls:
      v.CHOREO_TLS_CERT !== undefined && v.CHOREO_TLS_KEY !== undefined
        ? { certFile: path.resolve(cwd, v.CHOREO_TLS_CERT), keyFile: path.resolve(cwd, v.CHOREO_TLS_KEY) }
        : undefined,
    logLevel: v.CHOREO_LOG_LEVEL,
    logFormat: v.CHOREO_LOG_FORMAT,
    tokenTtlMs: v.CHOREO_TOKEN_TTL,
    oidc:
      v.CHOREO_OIDC_ISSUER !== undefined && v.CHOREO_OIDC_CLIENT_ID !== undefined
        ? {
            issuer: v.CHOREO_OIDC_ISSUER,
            clientId: v.CHOREO_OIDC_CLIENT_ID,
            audiences: (v.CHOREO_OIDC_AUDIENCE ?? v.CHOREO_OIDC_CLIENT_ID).split(",").map((a) => a.trim()).filter((a) => a !== ""),
            subjectClaim: v.CHOREO_OIDC_SUBJECT_CLAIM,
            groupsClaim: v.CHOREO_OIDC_GROUPS_CLAIM,
            caFile: v.CHOREO_OIDC_CA_FILE === undefined ? undefined : path.resolve(cwd, v.CHOREO_OIDC_CA_FILE),
            clockSkewSeconds: v.CHOREO_OIDC_CLOCK_SKEW_SECONDS,
            scopes: v.CHOREO_OIDC_SCOPES,
          }
        : undefined,
    audit: { maxAgeMs: v.CHOREO_AUDIT_MAX_AGE, maxRecords: v.CHOREO_AUDIT_MAX_RECORDS },
    openEndpoints: v.CHOREO_OPEN_ENDPOINTS,
    embeddedAgents: v.CHOREO_EMBEDDED_AGENTS,
    agentSimulation: v.CHOREO_AGENT_SIMULATION,
    store: v.CHOREO_STORE,
    kubernetes: {
      kubeconfig: v.KUBECONFIG === undefined ? undefined : v.KUBECONFIG.split(path.delimiter).filter(Boolean).map((file) => path.resolve(cwd, file)),
      namespace: v.CHOREO_KUBERNETES_NAMESPACE ?? defaultNamespace(),
      advertiseUrl: v.CHOREO_ADVERTISE_URL,
      leaseDurationMs: v.CHOREO_LEASE_DURATION_SECONDS * 1000,
      renewDeadlineMs: v.CHOREO_LEASE_RENEW_DEADLINE_SECONDS * 1000,
      retryPeriodMs: v.CHOREO_LEASE_RETRY_PERIOD_SECONDS * 1000,
    },
    promotionTtlMs: v.CHOREO_PROMOTION_TTL,
    buildTimeoutMs: v.CHOREO_BUILD_TIMEOUT,
    maxMessageBytes: v.CHOREO_MAX_MESSAGE_BYTES,
    shutdownGraceMs: v.CHOREO_SHUTDOWN_GRACE_MS,
    corsOrigins: v.CHOREO_CORS_ORIGINS,
    limits: {
      ratePerSecond: v.CHOREO_RATE_LIMIT,
      burst: v.CHOREO_RATE_LIMIT_BURST,
      streamsPerPrincipal: v.CHOREO_MAX_STREAMS_PER_PRINCIPAL,
      streamsPerAgent: v.CHOREO_MAX_STREAMS_PER_AGENT,
      watchStreams: v.CHOREO_MAX_WATCH_STREAMS,
      requestTimeoutMs: v.CHOREO_REQUEST_TIMEOUT,
      maxPageSize: v.CHOREO_MAX_PAGE_SIZE,
    },
    agent: {
      heartbeatMs: v.CHOREO_AGENT_HEARTBEAT_SECONDS * 1000,
      timeoutMs: v.CHOREO_AGENT_TIMEOUT_SECONDS * 1000,
      maxInFlight: v.CHOREO_AGENT_MAX_IN_FLIGHT,
      maxMessageBytes: v.CHOREO_AGENT_MAX_MESSAGE_BYTES,
    },
  };
}

/** `CHOREO_*` variables that are set but unknown: most likely typos, worth a warning. */
export function unknownConfigVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  // CHOREO_TOKEN belongs to choreoctl: a shell that exports it for the CLI also starts the server.
  const known: ReadonlySet<string> = new Set([...Object.keys(schema.shape), "CHOREO_TOKEN"]);
  return Object.keys(env).filter((k) => k.startsWith("CHOREO_") && !known.has(k));
}
