import type { JsonObject } from "../../src/model/json.js";

export interface StatusCause {
  readonly type: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
}

/** A request the double refuses; the router writes it as a Kubernetes `Status` with `code`. */
export class KubeStatusError extends Error {
  override readonly name = "KubeStatusError";

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details as unknown as JsonObject } : {}),
      code: this.code,
    };
  }
}

export function isKubeStatusError(err: unknown): err is KubeStatusError {
  return err instanceof Error && err.name === "KubeStatusError";
}

/** `<plural>[.<group>]`, as the API server names a resource in its messages. */
export const qualifiedResource = (plural: string, group: string): string => (group ? `${plural}.${group}` : plural);

export const notFound = (plural: string, group: string, name: string) =>
  new KubeStatusError(404, "NotFound", `${qualifiedResource(plural, group)} "${name}" not found`, { name, group, kind: plural });

export const alreadyExists = (plural: string, group: string, name: string) =>
  new KubeStatusError(409, "AlreadyExists", `${qualifiedResource(plural, group)} "${name}" already exists`, { name, group, kind: plural });

export const staleResourceVersion = (plural: string, group: string, name: string) =>
  new KubeStatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: plural },
  );

/** One cause as is; several in brackets, as kube-apiserver's aggregate error prints them. */
function causeList(causes: readonly StatusCause[]): string {
  const text = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ");
  return causes.length > 1 ? `[${text}]` : text;
}

export const invalid = (kind: string, group: string, name: string, causes: readonly StatusCause[]) =>
  new KubeStatusError(
    422,
    "Invalid",
    `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${causeList(causes)}`,
    { name, group, kind, causes },
  );

export const badRequest = (message: string) => new KubeStatusError(400, "BadRequest", message);

export const gone = (message: string) => new KubeStatusError(410, "Expired", message);

/** A body in a format the resource does not take (protobuf for a kind the double does not decode, as for a custom resource). */
export const unsupportedMediaType = () =>
  new KubeStatusError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
