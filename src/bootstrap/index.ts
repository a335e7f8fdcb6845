export { ensureEmbeddedDefaults, planeDriverAnnotation } from "./embedded-defaults.js";
