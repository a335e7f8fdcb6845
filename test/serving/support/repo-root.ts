import { fileURLToPath } from "node:url";

/** The repository root, where npm start and the README's examples run. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
