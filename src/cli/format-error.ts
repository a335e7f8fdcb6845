import { toJson } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { isCliError } from "./cli-error.js";
import { defaultServer } from "./resolve-target.js";

/** One field a server-side check rejected. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/**
 * The violations of an InvalidArgument error, from the google.rpc.BadRequest-shaped Struct detail the
 * server attaches; empty when there is none.
 */
export function fieldViolationsOf(err: ConnectError): FieldViolation[] {
  return err.findDetails(StructSchema).flatMap((detail) => {
    const json = toJson(StructSchema, detail) as { fieldViolations?: unknown };
    if (!Array.isArray(json.fieldViolations)) return [];
    return json.fieldViolations.flatMap((v: { field?: unknown; description?: unknown }) =>
      typeof v.field === "string" && typeof v.description === "string" ? [{ field: v.field, description: v.description }] : [],
    );
  });
}

/** The lines to print for an error and the exit code: one clear line (more with --verbose). */
export function formatError(err: unknown, options: { verbose: boolean; server?: string | undefined }): { lines: string[]; exitCode: number } {
  if (isCliError(err)) {
    return { lines: [...err.message.split("\n").map((l) => `error: ${l}`), ...(err.hint ? [err.hint] : [])], exitCode: err.exitCode };
  }
  if (err instanceof ConnectError) {
    const lines = connectErrorLines(err, options.server ?? defaultServer);
    if (options.verbose) {
      const requestId = err.metadata.get("x-request-id");
      lines.push(`  code: ${Code[err.code]}${requestId ? `, request id: ${requestId}` : ""}`);
      if (err.cause instanceof Error) lines.push(`  cause: ${err.cause.message}`);
    }
    return { lines, exitCode: 1 };
  }
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`error: ${message}`];
  if (options.verbose && err instanceof Error && err.stack) lines.push(err.stack);
  return { lines, exitCode: 1 };
}

function connectErrorLines(err: ConnectError, server: string): string[] {
  switch (err.code) {
    case Code.Unavailable:
      return [
        `error: cannot reach the control plane at ${server}: ${err.rawMessage}`,
        `Is it running? "npm start" serves ${defaultServer}; --server or a context (choreoctl config set-context) points elsewhere.`,
      ];
    case Code.DeadlineExceeded:
      return [`error: the control plane at ${server} did not answer in time: ${err.rawMessage}`];
    case Code.Unauthenticated:
      return [`error: not authenticated: ${err.rawMessage}`, "Give a token with --token-file FILE, env CHOREO_TOKEN, or the context's token file, or sign in with \"choreoctl login\"."];
    case Code.PermissionDenied:
      return [`error: permission denied: ${err.rawMessage}`];
    case Code.Unimplemented:
      return [`error: the server does not implement this yet: ${err.rawMessage}`];
    case Code.InvalidArgument: {
      const violations = fieldViolationsOf(err);
      if (violations.length > 0) return violations.map((v) => `error: ${v.field ? `${v.field}: ` : ""}${v.description}`);
      return [`error: ${err.rawMessage}`];
    }
    default:
      return [`error: ${err.rawMessage}`];
  }
}
