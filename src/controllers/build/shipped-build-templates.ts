// The ClusterWorkflowTemplates this release ships (deploy/build-templates), parsed from their YAML.
// `npm run build` replaces this module with the same objects parsed at build time (see
// scripts/build.mjs), so the compiled server parses no YAML when it starts.
import type { JsonObject } from "../../model/index.js";
import { readBuildTemplates } from "./build-templates.js";

export function shippedBuildTemplates(): JsonObject[] {
  return readBuildTemplates();
}
