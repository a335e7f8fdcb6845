// Entry point of choreoctl (bin/choreoctl.js): the process around runChoreoctl.
import { homedir } from "node:os";
import { runChoreoctl } from "./run-choreoctl.js";

const interrupt = new AbortController();
process.on("SIGINT", () => {
  // A second Ctrl-C means "now", even if a command is slow to wind down.
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});
// `choreoctl get x | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runChoreoctl(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  homeDir: homedir(),
  signal: interrupt.signal,
  now: () => Date.now(),
});
