// Entry point of the compiled server, dist/main/server.js (`npm run build` bundles it; from the
// sources, src/main/server.ts runs directly). It runs the server's bundle, dist/main/server.cjs,
// with the V8 code cache the build wrote beside it (server.cjs.cache): the bytecode of every function
// a start of the server compiled, so this start parses and compiles none of them again. Node.js 20
// has no compile cache of its own (Node.js 22's module.enableCompileCache) and none for ES modules
// at all, hence one CommonJS bundle run through vm.Script. A cache V8 refuses (another Node.js
// version or V8 flags, a bundle changed since) or one that is missing costs only the time saved:
// the bundle then compiles as it would without.
//
// `--write-code-cache` (the build's training run, scripts/build.mjs) writes the cache when the
// process exits instead, with every function compiled by then.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, Script } from "node:vm";

/** The flag of the build's training run; removed from process.argv before the server sees it. */
const writeCodeCacheFlag = "--write-code-cache";

const bundle = fileURLToPath(new URL("../../dist/main/server.cjs", import.meta.url));
const cacheFile = `${bundle}.cache`;

const training = process.argv.indexOf(writeCodeCacheFlag);
if (training !== -1) process.argv.splice(training, 1);

const readCache = (): Buffer | undefined => {
  if (training !== -1) return undefined;
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
};

// Node.js's own CommonJS wrapper, so the bundle sees the variables a module file gets.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, "utf8")}\n})`, {
  filename: bundle,
  cachedData: readCache(),
  // The bundle's import() of packages kept outside it (yaml, the Kubernetes client) resolves as
  // from a file at the bundle's place.
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
if (training !== -1) process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()));

const bundleModule = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void)(bundleModule.exports, createRequire(bundle), bundleModule, bundle, dirname(bundle));
