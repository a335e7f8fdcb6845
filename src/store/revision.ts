import { InvalidSpecError } from "../errors/index.js";

// Inside the store a resourceVersion is an integer revision of the whole store (as etcd's); outside
// it is an opaque string. Only this file converts between the two.

export function formatRevision(revision: number): string {
  return String(revision);
}

/** The revision a resourceVersion stands for; InvalidSpecError (naming `path`) when it is not one of ours. */
export function parseRevision(resourceVersion: string, path: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(resourceVersion)) {
    throw new InvalidSpecError([{ path, message: `"${resourceVersion}" is not a resourceVersion of this store` }]);
  }
  return Number(resourceVersion);
}
