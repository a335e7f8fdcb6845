#!/usr/bin/env node
// choreoctl's launcher. The repository runs TypeScript through tsx and has no build step, so this
// registers tsx's loader in this very process (the tsx CLI would start a second Node.js process) and
// runs the CLI's entry point.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
