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
  if (err instanceof ConnectError) return err;
  if (!(err instanceof Error)) return undefined;
  // A handler that gives up because its call was cancelled is not a bug.
  if (err.name === "AbortError") return new ConnectError(err.message, Code.Canceled);
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
  return undefined;
}

/**
 * The violations, machine-readable, shaped like google.rpc.BadRequest's JSON
 * (`{"fieldViolations": [{"field", "description"}]}`) but carried in a google.protobuf.Struct, since
 * google/rpc/error_details.proto is not among the contracts.
 */
function violationsDetail(violations: readonly FieldViolation[]) {
  const fieldViolations = violations.map((v) => ({ field: v.path, description: v.message }));
  return { desc: StructSchema, value: fromJson(StructSchema, { fieldViolations }) };
}
