import { resolve } from "node:path";
import { CliError, usageError } from "./cli-error.js";
import type { CliContext } from "./cli-config.js";
import { writeCliConfig } from "./cli-config.js";
import type { CommandContext } from "./command-spec.js";
import { formatTable } from "./format-table.js";
import { readSession, sessionPath } from "./oidc-session.js";
import { defaultServer } from "./resolve-target.js";

/** `config set-context NAME [flags]`: creates the context, or changes only the fields whose flags are given. */
export async function runConfigSetContext(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const name = onlyName(ctx);
  const config = await ctx.config();
  const existing = config.contexts.find((c) => c.name === name);
  const path = (flag: string) => {
    const value = args.value(flag);
    return value === undefined ? undefined : resolve(io.cwd, value);
  };
  const changes: Partial<CliContext> = {
    ...(args.has("server") ? { server: args.value("server")! } : {}),
    ...(args.has("token-file") ? { tokenFile: path("token-file")! } : {}),
    ...(args.has("namespace") ? { namespace: args.value("namespace")! } : {}),
    ...(args.has("certificate-authority") ? { certificateAuthority: path("certificate-authority")! } : {}),
    ...(args.has("insecure-skip-tls-verify") ? { insecureSkipTlsVerify: args.enabled("insecure-skip-tls-verify") } : {}),
  };
  const context: CliContext = { ...existing, ...changes, name };
  const contexts = existing ? config.contexts.map((c) => (c.name === name ? context : c)) : [...config.contexts, context];
  await writeCliConfig(ctx.configPath, { ...config, contexts });
  io.stdout.write(`Context "${name}" ${existing ? "modified" : "created"}.\n`);
  return 0;
}

/** `config use-context NAME` */
export async function runConfigUseContext(ctx: CommandContext): Promise<number> {
  const name = onlyName(ctx);
  const config = await ctx.config();
  if (!config.contexts.some((c) => c.name === name)) {
    throw new CliError(`no context named "${name}" in ${ctx.configPath}`, { hint: `Create it with "choreoctl config set-context ${name} --server URL".` });
  }
  await writeCliConfig(ctx.configPath, { ...config, currentContext: name });
  ctx.io.stdout.write(`Switched to context "${name}".\n`);
  return 0;
}

/** `config get-contexts [-o name]` */
export async function runConfigGetContexts(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  if (ctx.args.value("output") === "name") {
    ctx.io.stdout.write(config.contexts.map((c) => `${c.name}\n`).join(""));
    return 0;
  }
  const signedIn = new Set<string>();
  for (const c of config.contexts) if (c.oidcIssuer && (await readSession(sessionPath(ctx.configPath, c.name)))) signedIn.add(c.name);
  const rows = config.contexts.map((c) => [
    c.name === config.currentContext ? "*" : "",
    c.name,
    c.server ?? `${defaultServer} (default)`,
    c.namespace ?? "default",
    c.tokenFile ? `token file ${c.tokenFile}` : c.oidcIssuer ? `oidc ${c.oidcIssuer}${signedIn.has(c.name) ? "" : " (signed out)"}` : "none",
  ]);
  ctx.io.stdout.write(formatTable([["CURRENT", "NAME", "SERVER", "NAMESPACE", "AUTH"], ...rows]).lines.join("\n") + "\n");
  return 0;
}

/** `config current-context` */
export async function runConfigCurrentContext(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  if (!config.currentContext) throw new CliError("current-context is not set", { hint: 'Pick one with "choreoctl config use-context NAME".' });
  ctx.io.stdout.write(`${config.currentContext}\n`);
  return 0;
}

function onlyName(ctx: CommandContext): string {
  const [name, ...extra] = ctx.args.positionals;
  if (!name || extra.length > 0) throw usageError(`${ctx.commandPath} needs exactly one context NAME`, ctx.commandPath);
  return name;
}
