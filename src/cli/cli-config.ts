import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import * as z from "zod";
import { CliError } from "./cli-error.js";

const contextSchema = z
  .object({
    name: z.string().min(1),
    /** Unset: http://127.0.0.1:8080, where `npm start` listens. */
    server: z.url({ protocol: /^https?$/ }).optional(),
    /** A file holding a bearer token: the token itself never goes into this file. */
    tokenFile: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    /** PEM bundle to verify the server's certificate with, instead of the system's CAs. */
    certificateAuthority: z.string().min(1).optional(),
    insecureSkipTlsVerify: z.boolean().optional(),
    /** Signed in with OpenID Connect (choreoctl login): the issuer and client; the tokens are in a session file. */
    oidcIssuer: z.url({ protocol: /^https?$/ }).optional(),
    oidcClientId: z.string().min(1).optional(),
  })
  .strict();

const configSchema = z
  .object({
    currentContext: z.string().min(1).optional(),
    contexts: z.array(contextSchema).default([]),
  })
  .strict();

/** A named way to reach a control plane. */
export type CliContext = z.infer<typeof contextSchema>;
/** The CLI's configuration file. */
export type CliConfig = z.infer<typeof configSchema>;

/** `CHOREOCONFIG`, else `~/.choreo/config.yaml`. */
export function cliConfigPath(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  return env.CHOREOCONFIG || join(homeDir, ".choreo", "config.yaml");
}

/** Reads the configuration; a missing file is an empty configuration, a malformed one an error naming the field. */
export async function readCliConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { contexts: [] };
    throw new CliError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new CliError(`config file ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  return checked(raw, path);
}

/** Writes atomically (temporary file, then rename), readable by its owner only. */
export async function writeCliConfig(path: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, stringify(checked(config, path)), { mode: 0o600 });
  await rename(temporary, path);
}

/** The configuration if it follows the schema, else an error naming each field at fault. */
function checked(raw: unknown, path: string): CliConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new CliError(`config file ${path}: ${problems.join("; ")}`);
  }
  return result.data;
}
