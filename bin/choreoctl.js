#!/usr/bin/env node
// choreoctl's launcher. An installed package runs the compiled CLI (dist/cli/main.js). In a clone, the
// compiled CLI runs while it is a build of the current sources; when it is missing or a source is newer,
// the sources run through tsx instead (registered in this very process: the tsx CLI would start a
// second Node.js process), so editing src/ never leaves choreoctl running old code.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(sources) && !(await import("../scripts/build.mjs")).isFresh()) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else {
  await import("../dist/cli/main.js");
}
