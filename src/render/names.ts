import { createHash } from "node:crypto";

/** Most generated names become DNS-1123 labels: Namespaces, Services, label values. */
export const MAX_NAME_LENGTH = 63;
/**
 * A CronJob's controller names each Job `<cronjob>-<11 digits>`, and Job names become pod labels
 * (63 characters at most), so the CronJob itself gets 52.
 */
export const MAX_CRONJOB_NAME_LENGTH = 52;

const HASH_LENGTH = 8;

/**
 * A Kubernetes name made of `parts`: each part lower-cased with every run of characters outside
 * [a-z0-9] turned into one "-", joined with "-", truncated, then "-" and the first 8 hex digits of
 * the sha256 of the parts. The hash is over the raw parts, in an unambiguous encoding, so parts that
 * sanitise or truncate alike ("a-b"+"c" and "a"+"b-c", "App" and "app") still get distinct names.
 * The name starts with a letter ("x-" is prepended when it would not), so it is also a valid
 * DNS-1035 label, which Service names must be.
 */
export function generatedName(parts: readonly string[], maxLength: number = MAX_NAME_LENGTH): string {
  if (!Number.isInteger(maxLength) || maxLength < HASH_LENGTH + 2 || maxLength > MAX_NAME_LENGTH) {
    throw new RangeError(`maxLength must be an integer from ${HASH_LENGTH + 2} to ${MAX_NAME_LENGTH}`);
  }
  const hash = createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, HASH_LENGTH);
  let body = parts.map(sanitise).filter((part) => part !== "").join("-");
  if (!/^[a-z]/.test(body)) body = body ? `x-${body}` : "x";
  body = body.slice(0, maxLength - HASH_LENGTH - 1).replace(/-+$/, "");
  return `${body}-${hash}`;
}

/** The data-plane namespace of a cell (one project in one environment): `dp-<org>-<project>-<env>-<hash>`. */
export function cellNamespace(organization: string, project: string, environment: string): string {
  return generatedName(["dp", organization, project, environment]);
}

function sanitise(part: string): string {
  return part.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}
