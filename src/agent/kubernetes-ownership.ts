import { createHash } from "node:crypto";
import { isJsonObject, type JsonObject } from "../model/json.js";

/** Names the agent whose objects these are (a cluster may run a data-plane and a build-plane agent). */
export const agentLabel = "openchoreo.dev/agent";
/** The Release an object belongs to, label-safe; the annotation holds the Release id as is. */
export const releaseLabel = "openchoreo.dev/release-id";
export const releaseAnnotation = "openchoreo.dev/release-id";
/** Marks an inventory ConfigMap. */
export const inventoryLabel = "openchoreo.dev/inventory";

const hash8 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex").slice(0, 8);

/**
 * A label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends) standing for any text:
 * the text itself when it already is one, else its sanitised, truncated form plus 8 hex characters of
 * its sha256, so two texts never share a value by sanitising alike.
 */
export function labelSafe(text: string): string {
  if (/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/.test(text)) return text;
  const sanitized = text.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "").slice(0, 54).replace(/[^A-Za-z0-9]+$/, "");
  return sanitized ? `${sanitized}-${hash8(text)}` : hash8(text);
}

/** The inventory ConfigMap of a Release: a DNS name that stays readable and cannot collide. */
export function inventoryName(releaseId: string): string {
  const sanitized = releaseId.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 200).replace(/-+$/, "");
  return `openchoreo-inventory-${sanitized ? `${sanitized}-` : ""}${hash8(releaseId)}`;
}

/** The manifest as the agent applies it: its own labels plus the ownership labels (and annotation when the Release is known). */
export function withOwnership(manifest: JsonObject, agentId: string, releaseId: string | undefined): JsonObject {
  const metadata = isJsonObject(manifest.metadata) ? manifest.metadata : {};
  const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
  const annotations = isJsonObject(metadata.annotations) ? metadata.annotations : {};
  return {
    ...manifest,
    metadata: {
      ...metadata,
      labels: { ...labels, [agentLabel]: labelSafe(agentId), ...(releaseId ? { [releaseLabel]: labelSafe(releaseId) } : {}) },
      ...(releaseId || Object.keys(annotations).length > 0 ? { annotations: { ...annotations, ...(releaseId ? { [releaseAnnotation]: releaseId } : {}) } } : {}),
    },
  };
}
