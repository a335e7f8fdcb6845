// Builds the web console (console/) with Vite into console/dist, which the server serves at "/"
// (src/server/console-assets.ts). Run by `npm run build`, by `npm start` and on `npm ci` (the prepare
// script), each with --if-stale: nothing happens when the output is newer than every input.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const consoleDir = join(root, "console");
const outDir = join(consoleDir, "dist");
const infoFile = join(outDir, ".build-info.json");

/** The console's sources, the generated clients it imports, and what decides how they are built. */
function inputs() {
  const files = [join(root, "package-lock.json"), join(root, "scripts", "build-console.mjs")];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "dist" || entry.name === "node_modules") continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(full);
    }
  };
  walk(consoleDir);
  walk(join(root, "gen"));
  return files;
}

export function isConsoleFresh() {
  let builtAtMs;
  try {
    builtAtMs = JSON.parse(readFileSync(infoFile, "utf8")).builtAtMs;
  } catch {
    return false;
  }
  return inputs().every((f) => statSync(f).mtimeMs <= builtAtMs);
}

export async function buildConsole() {
  const builtAtMs = Date.now();
  const { build } = await import("vite");
  await build({ configFile: join(consoleDir, "vite.config.ts"), logLevel: "warn" });
  writeFileSync(infoFile, `${JSON.stringify({ builtAtMs })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && isConsoleFresh()) process.exit(0);
  const started = Date.now();
  try {
    await buildConsole();
  } catch (err) {
    // Vite is a development dependency: an install without them (npm ci --omit=dev) serves no console.
    if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("vite")) {
      process.stderr.write("build: vite is not installed (npm ci --omit=dev?): the console is not built\n");
      process.exit(0);
    }
    throw err;
  }
  process.stderr.write(`build: console/dist written in ${Date.now() - started} ms\n`);
}
