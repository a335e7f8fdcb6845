import type { KindInfo } from "../model/index.js";
import { CliError } from "./cli-error.js";
import { objectRef } from "./object-meta.js";

/** Objects that do not exist, one line each: `component.openchoreo.dev/nope not found in namespace default`. */
export function notFoundError(missing: readonly { readonly kind: KindInfo; readonly namespace: string; readonly name: string }[]): CliError {
  return new CliError(
    missing.map((m) => `${objectRef(m.kind, m.name)} not found${m.kind.namespaced ? ` in namespace ${m.namespace}` : ""}`).join("\n"),
  );
}
