import type { KindInfo, KindRegistry } from "../model/index.js";
import { CliError } from "./cli-error.js";

/**
 * A kind as a user types it: kind, plural, singular or short name, any case, optionally qualified by
 * its group as kubectl prints it ("component.openchoreo.dev", "components.openchoreo.dev").
 */
export function resolveKind(registry: KindRegistry, text: string): KindInfo {
  const dot = text.indexOf(".");
  const name = dot < 0 ? text : text.slice(0, dot);
  const group = dot < 0 ? undefined : text.slice(dot + 1);
  const kind = registry.resolve(name);
  if (!kind || (group !== undefined && kind.group !== group)) {
    throw new CliError(`unknown kind "${text}"`, { hint: `"choreoctl api-resources" lists the kinds and their short names.` });
  }
  return kind;
}
