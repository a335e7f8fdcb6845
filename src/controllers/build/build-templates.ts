import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { yaml, type JsonObject } from "../../model/index.js";

/** Where the repository keeps its ClusterWorkflowTemplates (docker, google-cloud-buildpacks, ballerina-buildpack, react). */
export const shippedBuildTemplatesDir = fileURLToPath(new URL("../../../deploy/build-templates/", import.meta.url));

/**
 * The ClusterWorkflowTemplates of a folder, one per YAML file, sorted by name. Read once when the
 * controllers are built: they are part of the release, like the renderers, not configuration.
 */
export function readBuildTemplates(dir: string = shippedBuildTemplatesDir): JsonObject[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => yaml().parse(readFileSync(join(dir, file), "utf8")) as JsonObject);
}
