import { Code, ConnectError } from "@connectrpc/connect";
import { fromJson } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import {
  isAlreadyExistsError,
  isConflictError,
  isFailedPreconditionError,
  isInvalidSpecError,
  isNotFoundError,
  isPermissionDeniedError,
  isResourceExhaustedError,
  isTooLargeError,
  isTooOldResourceVersionError,
  isUnauthenticatedError,
} from "../errors/index.js";
import type { FieldViolation } from "../errors/index.js";

/**
 * The wire error for an error the code base raises on purpose: a ConnectError as is, a domain error
 * mapped to its code (message kept: it is written for the caller). undefined for anything else,
 * which the caller must treat as a bug.
 */
export function toConnectError(err: unknown): ConnectError | undefined {
  const wire = mapError(err);
  // Messages echo what the caller sent (a name, a label selector): a 2 MB name must not become a 2 MB
  // grpc-message trailer, which HTTP/2 clients refuse (the call would end as internal).
  if (wire && wire.rawMessage.length > maxMessageChars) {
    const details = wire.details.filter((d) => "desc" in d);
    return new ConnectError(clip(wire.rawMessage), wire.code, wire.metadata, details, wire.cause);
  }
  return wire;
}

const maxMessageChars = 2048;
const maxViolations = 50;
const clip = (text: string, max = maxMessageChars) => (text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`);

function mapError(err: unknown): ConnectError | undefined {
  if (err instanceof ConnectError) return err;
  if (!(err instanceof Error)) return undefined;
  // A handler that gives up because its call was cancelled is not a bug.
  if (err.name === "AbortError") return new ConnectError(err.message, Code.Canceled);
  // The client reset its stream while the request was still being read (a cancelled call).
  if ((err as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE") return new ConnectError("the client cancelled the call", Code.Canceled);
  if (isNotFoundError(err)) return new ConnectError(err.message, Code.NotFound);
  if (isAlreadyExistsError(err)) return new ConnectError(err.message, Code.AlreadyExists);
  if (isConflictError(err)) return new ConnectError(err.message, Code.Aborted);
  if (isInvalidSpecError(err)) {
    return new ConnectError(err.message, Code.InvalidArgument, undefined, [violationsDetail(err.violations)]);
  }
  if (isPermissionDeniedError(err)) return new ConnectError(err.message, Code.PermissionDenied);
  if (isUnauthenticatedError(err)) return new ConnectError(err.message, Code.Unauthenticated);
  if (isFailedPreconditionError(err) || isTooOldResourceVersionError(err)) {
    return new ConnectError(err.message, Code.FailedPrecondition);
  }
  if (isTooLargeError(err)) return new ConnectError(err.message, Code.ResourceExhausted);
  if (isResourceExhaustedError(err)) return resourceExhausted(err.message, err.retryAfterMs);
  return undefined;
}

/**
 * The violations, machine-readable, shaped like google.rpc.BadRequest's JSON
 * (`{"fieldViolations": [{"field", "description"}]}`) but carried in a google.protobuf.Struct, since
 * google/rpc/error_details.proto is not among the contracts.
 */
function violationsDetail(violations: readonly FieldViolation[]) {
  // Bounded like the message: the details travel in a trailer too.
  const fieldViolations = violations.slice(0, maxViolations).map((v) => ({ field: clip(v.path, 256), description: clip(v.message, 256) }));
  return { desc: StructSchema, value: fromJson(StructSchema, { fieldViolations }) };
}

/**
 * resource_exhausted; with a retry delay, it goes three ways, for every kind of client: the headers
 * `retry-after` (whole seconds, as HTTP) and `grpc-retry-pushback-ms` (what gRPC's retry policy reads),
 * and a `google.protobuf.Struct` detail shaped like google.rpc.RetryInfo's JSON (`{"retryDelay": "1.5s"}`).
 */
function resourceExhausted(message: string, retryAfterMs: number | undefined): ConnectError {
  if (retryAfterMs === undefined) return new ConnectError(message, Code.ResourceExhausted);
  const metadata = new Headers({ "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))), "grpc-retry-pushback-ms": String(retryAfterMs) });
  const retryInfo = { desc: StructSchema, value: fromJson(StructSchema, { retryDelay: `${retryAfterMs / 1000}s` }) };
  return new ConnectError(message, Code.ResourceExhausted, metadata, [retryInfo]);
}
