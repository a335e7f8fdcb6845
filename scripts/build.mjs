// `npm run build`: bundles the three entry points (server, plane agent, choreoctl) into dist/ with
// esbuild, generated code and pure-JavaScript dependencies included, so production runs plain
// `node` without tsx and loads a few files instead of hundreds (start-up time is module loading).
// `--if-stale` builds only when dist/ is missing or older than an input (what `npm start` runs).
// Plain JavaScript, so it runs without tsx.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = resolve(root, "dist");
const infoFile = resolve(outdir, "build-info.json");

/**
 * Kept out of the bundle and loaded from node_modules: a native addon (better-sqlite3), pino (its
 * worker-thread transports load files by path), the Kubernetes client (large; only the
 * agent's kubernetes driver and the Kubernetes store use it), and yaml (src/model/lazy-yaml.ts loads
 * it on first use; bundled, it would be compiled at every start).
 */
const external = ["better-sqlite3", "pino", "pino-pretty", "@kubernetes/client-node", "yaml"];

/**
 * Every output file sits two directories below the package root (dist/main/server.js,
 * dist/chunks/x.js), as src/main/server.ts does below the repository. A module that finds a file of
 * the package relative to itself (package.json, deploy/build-templates/) gets the URL of its own
 * source file back, so the same relative path works from the bundle, from the sources and from an
 * installed package.
 */
const sourceLocation = {
  name: "source-location",
  setup(b) {
    b.onLoad({ filter: /[\\/](src|gen)[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const own = `new URL(${JSON.stringify(`../../${relative(root, args.path).split("\\").join("/")}`)}, import.meta.url).href`;
      return { contents: text.replaceAll("import.meta.url", own), loader: "ts" };
    });
  },
};

/** The ClusterWorkflowTemplates the release ships, as readBuildTemplates() finds them: sorted by file name. */
const buildTemplateFiles = () =>
  readdirSync(resolve(root, "deploy/build-templates"))
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => `deploy/build-templates/${file}`);

/**
 * The module that replaces src/controllers/build/shipped-build-templates.ts in the bundle: the
 * templates parsed here, once, and kept as JSON, which the server parses in well under a millisecond
 * where their YAML took it tens to hundreds of milliseconds at every start.
 */
export async function precompiledBuildTemplatesModule() {
  const { parse } = await import("yaml");
  const templates = buildTemplateFiles().map((file) => parse(readFileSync(resolve(root, file), "utf8")));
  return `export function shippedBuildTemplates() {\n  return JSON.parse(${JSON.stringify(JSON.stringify(templates))});\n}\n`;
}

const precompiledBuildTemplates = {
  name: "precompiled-build-templates",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]controllers[\\/]build[\\/]shipped-build-templates\.ts$/ }, async () => ({ contents: await precompiledBuildTemplatesModule(), loader: "js" }));
  },
};

/** True when dist/ holds a build of exactly the current inputs (none changed, none missing). */
export function isFresh() {
  let info;
  try {
    info = JSON.parse(readFileSync(infoFile, "utf8"));
  } catch {
    return false;
  }
  for (const input of [...info.inputs, "package.json", "package-lock.json", "scripts/build.mjs"]) {
    try {
      if (statSync(resolve(root, input)).mtimeMs > info.builtAtMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export async function buildDist() {
  const builtAtMs = Date.now();
  // Loaded here, not at the top: choreoctl's launcher imports isFresh on every run.
  const { build } = await import("esbuild");
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { "main/server": "src/main/server.ts", "agent/main": "src/agent/main.ts", "cli/main": "src/cli/main.ts" },
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20.19",
    external,
    // Bundled CommonJS dependencies call require(); ES modules have none of their own.
    banner: { js: 'import { createRequire as __choreoCreateRequire } from "node:module"; const require = __choreoCreateRequire(import.meta.url);' },
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    plugins: [sourceLocation, precompiledBuildTemplates],
  });
  // The templates are inputs too: the bundle holds them.
  const inputs = [...Object.keys(result.metafile.inputs).filter((p) => !p.startsWith("node_modules/")), ...buildTemplateFiles()];
  writeFileSync(infoFile, `${JSON.stringify({ builtAtMs, inputs }, null, 1)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && isFresh()) process.exit(0);
  const started = Date.now();
  await buildDist();
  process.stderr.write(`build: dist/ written in ${Date.now() - started} ms\n`);
}
