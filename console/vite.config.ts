import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The console is served by the control plane itself (src/server/console-assets.ts): one origin, no
// inline script or style (the Content-Security-Policy forbids them), hashed file names under assets/.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // The polyfill would be inlined into index.html; every browser the console supports has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: "es2022",
  },
});
