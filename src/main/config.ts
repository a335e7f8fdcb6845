import * as path from "node:path";
import { z } from "zod";

/** The control plane's settings, read once from `CHOREO_*` environment variables. */
export interface Config {
  readonly host: string;
  /** 0 asks the OS for a free port (tests). */
  readonly port: number;
  /** Absolute path. */
  readonly dataDir: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly logLevel: LogLevel;
  /** Largest single message, in either direction; larger ones fail with resource_exhausted. */
  readonly maxMessageBytes: number;
  /** How long shutdown waits for open calls before cutting connections. */
  readonly shutdownGraceMs: number;
  /** Origins whose browser code may call the API (CORS); "*" for any. */
  readonly corsOrigins: readonly string[];
}

export type LogLevel = (typeof logLevels)[number];

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
  // 4 GiB - 1 is the largest length a gRPC or Connect envelope can state.
  CHOREO_MAX_MESSAGE_BYTES: wholeNumber(1024, 0xffffffff, 4 * 1024 * 1024),
  // Kept under 5 s by default so that the whole shutdown, grace included, ends within 5 s.
  CHOREO_SHUTDOWN_GRACE_MS: wholeNumber(0, 600_000, 4000),
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
  return {
    host: v.CHOREO_HOST,
    port: v.CHOREO_PORT,
    dataDir: path.resolve(cwd, v.CHOREO_DATA_DIR ?? ".choreo"),
    tls:
      v.CHOREO_TLS_CERT !== undefined && v.CHOREO_TLS_KEY !== undefined
        ? { certFile: path.resolve(cwd, v.CHOREO_TLS_CERT), keyFile: path.resolve(cwd, v.CHOREO_TLS_KEY) }
        : undefined,
    logLevel: v.CHOREO_LOG_LEVEL,
    maxMessageBytes: v.CHOREO_MAX_MESSAGE_BYTES,
    shutdownGraceMs: v.CHOREO_SHUTDOWN_GRACE_MS,
    corsOrigins: v.CHOREO_CORS_ORIGINS,
  };
}

/** `CHOREO_*` variables that are set but unknown: most likely typos, worth a warning. */
export function unknownConfigVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  // CHOREO_TOKEN belongs to choreoctl: a shell that exports it for the CLI also starts the server.
  const known: ReadonlySet<string> = new Set([...Object.keys(schema.shape), "CHOREO_TOKEN"]);
  return Object.keys(env).filter((k) => k.startsWith("CHOREO_") && !known.has(k));
}
