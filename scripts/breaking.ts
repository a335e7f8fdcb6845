// Compares the contracts with the previous commit on main. The API is v1alpha1: a breaking change is
// allowed when it makes the API better, but it must be deliberate and listed in the README changelog.
import { spawnSync } from "node:child_process";

const previous = spawnSync("git", ["rev-parse", "--verify", "--quiet", "HEAD~1"], { encoding: "utf8" });
if (previous.status !== 0) {
  console.log("buf breaking: no previous commit to compare with; nothing to check.");
  process.exit(0);
}
const against = ".git#ref=HEAD~1,subdir=proto";
const result = spawnSync("npx", ["buf", "breaking", "proto", "--against", against], { stdio: "inherit" });
if (result.status === 0) console.log(`buf breaking: no breaking change against ${against}.`);
process.exit(result.status ?? 1);
