import { readFile } from "node:fs/promises";

/** The CLI's version: the repository's package version (the CLI ships with the server). */
export async function clientVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}
