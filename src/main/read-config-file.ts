import { readFile } from "node:fs/promises";
import { ConfigError } from "./config.js";

/** A file a setting names, or a ConfigError naming the setting (the server then exits 2, saying why). */
export function readConfigFile(file: string, variable: string): Promise<Buffer> {
  return readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError([{ variable, message: `cannot read ${file} (${err.code ?? err.message})` }]);
  });
}
