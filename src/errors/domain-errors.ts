// Errors the domain raises. Core code throws these, never wire errors: the API layer maps them to
// Connect codes in one place (the error boundary). Each class carries a literal `name` and an
// `isXError()` guard, so checks hold even when two copies of this module are loaded.

/** One rule a field broke, e.g. `{ path: "spec.owner.projectName", message: "required" }`. */
export interface FieldViolation {
  readonly path: string;
  readonly message: string;
}

export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

export class AlreadyExistsError extends Error {
  override readonly name = "AlreadyExistsError";
}

/** A write lost an optimistic-concurrency race (stale resourceVersion). */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
}

/** The request or object breaks a rule; nothing was written. */
export class InvalidSpecError extends Error {
  override readonly name = "InvalidSpecError";
  readonly violations: readonly FieldViolation[];

  constructor(violations: readonly FieldViolation[], prefix = "") {
    super(
      (prefix ? prefix + ": " : "") +
        violations.map((v) => (v.path ? `${v.path}: ${v.message}` : v.message)).join("; "),
    );
    this.violations = violations;
  }
}

export class PermissionDeniedError extends Error {
  override readonly name = "PermissionDeniedError";
}

/**
 * No credential, or one that is malformed, unknown, revoked or expired. The message never says which:
 * a caller must not learn whether a token exists.
 */
export class UnauthenticatedError extends Error {
  override readonly name = "UnauthenticatedError";
}

/** The system is not in a state that allows the operation (e.g. watch history gone: relist). */
export class FailedPreconditionError extends Error {
  override readonly name = "FailedPreconditionError";
}

/** Watch history since the requested resourceVersion is gone: list again, then watch from the list. */
export class TooOldResourceVersionError extends Error {
  override readonly name = "TooOldResourceVersionError";
}

/** A message, object or request is larger than the configured limit. */
export class TooLargeError extends Error {
  override readonly name = "TooLargeError";
}

/** A limit reached (rate, streams): resource_exhausted, with when to retry if waiting helps. */
export class ResourceExhaustedError extends Error {
  override readonly name = "ResourceExhaustedError";
  /** How long the caller should wait before retrying; undefined when waiting alone does not help. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

function hasName(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}

export const isNotFoundError = (e: unknown): e is NotFoundError => hasName(e, "NotFoundError");
export const isAlreadyExistsError = (e: unknown): e is AlreadyExistsError => hasName(e, "AlreadyExistsError");
export const isConflictError = (e: unknown): e is ConflictError => hasName(e, "ConflictError");
export const isInvalidSpecError = (e: unknown): e is InvalidSpecError => hasName(e, "InvalidSpecError");
export const isPermissionDeniedError = (e: unknown): e is PermissionDeniedError =>
  hasName(e, "PermissionDeniedError");
export const isUnauthenticatedError = (e: unknown): e is UnauthenticatedError => hasName(e, "UnauthenticatedError");
export const isFailedPreconditionError = (e: unknown): e is FailedPreconditionError =>
  hasName(e, "FailedPreconditionError");
export const isTooOldResourceVersionError = (e: unknown): e is TooOldResourceVersionError =>
  hasName(e, "TooOldResourceVersionError");
export const isTooLargeError = (e: unknown): e is TooLargeError => hasName(e, "TooLargeError");
export const isResourceExhaustedError = (e: unknown): e is ResourceExhaustedError => hasName(e, "ResourceExhaustedError");
