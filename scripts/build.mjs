// `npm run build`: bundles the three entry points (server, plane agent, choreoctl) into dist/ with
// esbuild, generated code and pure-JavaScript dependencies included, so production runs plain
// `node` without tsx and loads a few files instead of hundreds (start-up time is module loading).
// The server is one CommonJS bundle (dist/main/server.cjs) that dist/main/server.js runs with a V8
// code cache, written by starting the built server once (src/main/compiled-server.ts says why).
// `--if-stale` builds only when dist/ is missing or older than an input (what `npm start` runs).
// Plain JavaScript, so it runs without tsx.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
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

/** What src/main/compiled-server.ts reads: the server's bundle, and its code cache beside it. */
const serverBundle = resolve(outdir, "main/server.cjs");
const serverCodeCache = `${serverBundle}.cache`;

export async function buildDist() {
  const builtAtMs = Date.now();
  // Loaded here, not at the top: choreoctl's launcher imports isFresh on every run.
  const { build } = await import("esbuild");
  rmSync(outdir, { recursive: true, force: true });
  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    target: "node20.19",
    external,
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    plugins: [sourceLocation, precompiledBuildTemplates],
  };
  const modules = await build({
    ...common,
    // dist/main/server.js is the small launcher of the server's bundle below.
    entryPoints: { "main/server": "src/main/compiled-server.ts", "agent/main": "src/agent/main.ts", "cli/main": "src/cli/main.ts" },
    outdir,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    format: "esm",
    // Bundled CommonJS dependencies call require(); ES modules have none of their own.
    banner: { js: 'import { createRequire as __choreoCreateRequire } from "node:module"; const require = __choreoCreateRequire(import.meta.url);' },
  });
  const server = await build({
    ...common,
    // pino inside: its code then comes from the code cache too. The server starts no pino transport
    // (the worker threads that would look for pino's files by path).
    external: external.filter((name) => name !== "pino"),
    entryPoints: ["src/main/server.ts"],
    outfile: serverBundle,
    format: "cjs",
    // A CommonJS file has no import.meta: its own URL stands in (sourceLocation's paths are relative to it).
    define: { "import.meta.url": "__choreoImportMetaUrl" },
    banner: { js: 'var __choreoImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  await writeServerCodeCache();
  // The templates are inputs too: the bundles hold them.
  const inputs = [...new Set([...Object.keys(modules.metafile.inputs), ...Object.keys(server.metafile.inputs)].filter((p) => !p.startsWith("node_modules/")))].sort();
  writeFileSync(infoFile, `${JSON.stringify({ builtAtMs, inputs: [...inputs, ...buildTemplateFiles()] }, null, 1)}\n`);
}

/**
 * Starts the built server once (a new data directory, any free port, no embedded agents, no CHOREO_
 * variable of the caller's), asks it one health Check, and stops it: it writes its code cache as it
 * exits, holding every function that start compiled. Fails the build when the server does not start.
 */
async function writeServerCodeCache() {
  // Loaded here, not at the top, as esbuild is.
  const { spawn } = await import("node:child_process");
  const { request } = await import("node:http");
  const work = mkdtempSync(join(tmpdir(), "choreo-code-cache-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CHOREO_")));
  Object.assign(env, { CHOREO_DATA_DIR: join(work, "data"), CHOREO_PORT: "0", CHOREO_HOST: "127.0.0.1", CHOREO_EMBEDDED_AGENTS: "0", CHOREO_LOG_FORMAT: "json", CHOREO_LOG_LEVEL: "info" });
  try {
    const server = spawn(process.execPath, [resolve(outdir, "main/server.js"), "--write-code-cache"], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise((resolveExit) => server.once("exit", (code, signal) => resolveExit({ code, signal })));
    let output = "";
    const url = await new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error("the built server did not listen within 60 s")), 60_000);
      const onData = (d) => {
        output += d;
        const m = /"url":"(http:\/\/[^"]+)","port":\d+,"msg":"listening"/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]);
        }
      };
      server.stdout.setEncoding("utf8").on("data", onData);
      server.stderr.setEncoding("utf8").on("data", onData);
      exited.then(({ code }) => reject(new Error(`the built server exited (${code}) before it listened`)));
    }).catch((err) => {
      server.kill("SIGKILL");
      throw new Error(`${err.message}:\n${output}`);
    });
    // One call through the whole serving path, so its functions are in the cache too.
    await new Promise((resolveCall, reject) => {
      const call = request(`${url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => res.resume().on("end", resolveCall));
      call.on("error", reject).end("{}");
    });
    server.kill("SIGTERM");
    const { code, signal } = await exited;
    if (code !== 0 || !existsSync(serverCodeCache)) throw new Error(`the built server's training run ended with ${signal ?? code} and no code cache:\n${output}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && isFresh()) process.exit(0);
  const started = Date.now();
  await buildDist();
  process.stderr.write(`build: dist/ written in ${Date.now() - started} ms\n`);
}
