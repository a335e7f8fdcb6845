import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CliError } from "./cli-error.js";
import type { CliConfig, CliContext } from "./cli-config.js";
import { sessionPath } from "./oidc-session.js";

/** Where `npm start` listens by default: with no context and no --server, that is what the CLI dials. */
export const defaultServer = "http://127.0.0.1:8080";

/** Where and how to reach the control plane, and the namespace commands work in. */
export interface Target {
  readonly server: string;
  readonly token: string | undefined;
  readonly certificateAuthority: string | undefined;
  readonly insecureSkipTlsVerify: boolean;
  readonly namespace: string;
  /** The context used, if any. */
  readonly context: string | undefined;
  /** Without a token: the session file of the context's OIDC sign-in, whose ID token is sent (renewed as needed). */
  readonly session: string | undefined;
}

/** What the global flags and the environment say; each set value overrides the context. */
export interface TargetOverrides {
  readonly server?: string | undefined;
  readonly tokenFile?: string | undefined;
  readonly context?: string | undefined;
  readonly namespace?: string | undefined;
  readonly certificateAuthority?: string | undefined;
  readonly insecureSkipTlsVerify?: boolean | undefined;
  /** CHOREO_TOKEN: the token itself, for scripts and CI. */
  readonly envToken?: string | undefined;
}

/** Flags, then the environment, then the context (named by --context, else the current one), then defaults. */
export async function resolveTarget(config: CliConfig, overrides: TargetOverrides, cwd: string, configPath = ""): Promise<Target> {
  const context = pickContext(config, overrides.context);
  const tokenFile = overrides.tokenFile ? resolve(cwd, overrides.tokenFile) : undefined;
  const token = tokenFile
    ? await readToken(tokenFile, "--token-file")
    : overrides.envToken || (context?.tokenFile ? await readToken(context.tokenFile, `context "${context.name}" tokenFile`) : undefined);
  const server = overrides.server ?? context?.server ?? defaultServer;
  if (!/^https?:\/\/[^/]+/.test(server)) throw new CliError(`server "${server}" is not an http:// or https:// URL`);
  return {
    server: server.replace(/\/+$/, ""),
    token,
    certificateAuthority: overrides.certificateAuthority ? resolve(cwd, overrides.certificateAuthority) : context?.certificateAuthority,
    insecureSkipTlsVerify: overrides.insecureSkipTlsVerify ?? context?.insecureSkipTlsVerify ?? false,
    namespace: overrides.namespace ?? context?.namespace ?? "default",
    context: context?.name,
    session: !token && context?.oidcIssuer ? sessionPath(configPath, context.name) : undefined,
  };
}

function pickContext(config: CliConfig, name: string | undefined): CliContext | undefined {
  const wanted = name ?? config.currentContext;
  if (!wanted) return undefined;
  const context = config.contexts.find((c) => c.name === wanted);
  if (!context) {
    const known = config.contexts.map((c) => c.name).join(", ") || "none";
    throw new CliError(`context "${wanted}" does not exist (contexts: ${known})`, {
      hint: `Create it with "choreoctl config set-context ${wanted} --server URL".`,
    });
  }
  return context;
}

async function readToken(file: string, from: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(file, "utf8")).trim();
  } catch (err) {
    throw new CliError(`cannot read the token file ${file} (${from}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!token) throw new CliError(`the token file ${file} (${from}) is empty`);
  return token;
}
