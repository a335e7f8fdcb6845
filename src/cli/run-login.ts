import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import { CliError, usageError } from "./cli-error.js";
import type { CliConfig, CliContext } from "./cli-config.js";
import { writeCliConfig } from "./cli-config.js";
import type { CliIo } from "./cli-io.js";
import type { CommandContext } from "./command-spec.js";
import { discoverIssuer, removeSession, sessionFrom, sessionPath, writeSession } from "./oidc-session.js";

const defaultScopes = ["openid", "offline_access", "email", "groups"];
// A person needs time to read the code, open a browser and sign in; the device code lasts about as long.
const browserTimeoutMs = 5 * 60_000;

/**
 * `login`: signs the context in. With --token-file, the context sends that API token. Otherwise
 * OpenID Connect through the issuer the server names (or --issuer and --client-id): authorization
 * code with PKCE on a loopback redirect (the browser comes back to this process), or with --device
 * the device authorization flow, for a terminal without a browser. The ID token and refresh token
 * are kept in a file of mode 600 beside the config; later commands renew the ID token by themselves.
 */
export async function runLogin(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  if (ctx.args.positionals.length > 0) throw usageError("login takes no arguments", "login");
  const config = await ctx.config();
  const context = currentContext(config, args.value("context"));
  const session = sessionPath(ctx.configPath, context.name);

  const tokenFile = args.value("token-file");
  if (tokenFile !== undefined) {
    const file = resolve(io.cwd, tokenFile);
    await access(file, constants.R_OK).catch(() => {
      throw new CliError(`cannot read the token file ${file}`);
    });
    const { oidcIssuer: _issuer, oidcClientId: _client, ...rest } = context;
    await saveContext(ctx, config, { ...rest, tokenFile: file });
    await removeSession(session);
    io.stdout.write(`Context "${context.name}" now sends the API token in ${file}.\n`);
    return 0;
  }

  const settings = await loginSettings(ctx, context);
  const issuerConfig = await discoverIssuer(settings.issuer, settings.clientId);
  const scope = settings.scopes.join(" ");
  const tokens = args.enabled("device")
    ? await deviceFlow(issuerConfig, scope, io)
    : await browserFlow(issuerConfig, scope, io, !args.enabled("no-browser"));
  const signedIn = sessionFrom(settings, tokens);
  await writeSession(session, signedIn);
  const { tokenFile: _file, ...rest } = context;
  await saveContext(ctx, config, { ...rest, oidcIssuer: settings.issuer, oidcClientId: settings.clientId });
  const claims = decodeJwt(signedIn.idToken);
  const who = typeof claims.email === "string" ? `${claims.email} (sub ${claims.sub})` : `sub ${claims.sub}`;
  io.stdout.write(`Signed in to ${settings.issuer} as ${who}; context "${context.name}" now sends your ID token${signedIn.refreshToken ? " and renews it" : ""}.\n`);
  return 0;
}

/** The context login changes: --context, else the current one. */
export function currentContext(config: CliConfig, named: string | undefined): CliContext {
  const name = named ?? config.currentContext;
  if (!name) {
    throw new CliError("no current context to sign in", { hint: 'Create one with "choreoctl config set-context NAME --server URL" and "choreoctl config use-context NAME".' });
  }
  const context = config.contexts.find((c) => c.name === name);
  if (!context) throw new CliError(`context "${name}" does not exist`, { hint: `Create it with "choreoctl config set-context ${name} --server URL".` });
  return context;
}

export async function saveContext(ctx: CommandContext, config: CliConfig, context: CliContext): Promise<void> {
  await writeCliConfig(ctx.configPath, { ...config, contexts: config.contexts.map((c) => (c.name === context.name ? context : c)) });
}

/** Issuer, client and scopes: from the flags, else the context's last sign-in, else what the server says. */
async function loginSettings(ctx: CommandContext, context: CliContext): Promise<{ issuer: string; clientId: string; scopes: string[] }> {
  const flagIssuer = ctx.args.value("issuer");
  const flagClient = ctx.args.value("client-id");
  if (flagIssuer && flagClient) return { issuer: flagIssuer, clientId: flagClient, scopes: defaultScopes };
  const target = await ctx.target();
  const { createApi } = await import("./create-api.js");
  // Asked without a credential: the server answers this to anyone, and the old one may have expired.
  const api = await createApi({ ...target, token: undefined, session: undefined }, "choreoctl");
  try {
    const served = await api.login.getLoginConfig({});
    const issuer = flagIssuer ?? (served.issuer || context.oidcIssuer);
    const clientId = flagClient ?? (served.clientId || context.oidcClientId);
    if (!issuer || !clientId) {
      throw new CliError(`the control plane at ${target.server} accepts no OpenID Connect sign-in`, {
        hint: 'Use an API token: "choreoctl login --token-file FILE" (or pass --issuer and --client-id).',
      });
    }
    return { issuer, clientId, scopes: served.scopes.length > 0 ? [...served.scopes] : defaultScopes };
  } finally {
    api.close();
  }
}

async function deviceFlow(config: oidc.Configuration, scope: string, io: CliIo) {
  const started = await oidc.initiateDeviceAuthorization(config, { scope }).catch((err: Error) => {
    throw new CliError(`the identity provider refused the device sign-in: ${err.message}`);
  });
  io.stderr.write(
    `To sign in, open ${started.verification_uri} in a browser and enter the code ${started.user_code}\n` +
      (started.verification_uri_complete ? `(or open ${started.verification_uri_complete})\n` : "") +
      "Waiting for you to finish...\n",
  );
  try {
    return await oidc.pollDeviceAuthorizationGrant(config, started, undefined, { signal: io.signal });
  } catch (err) {
    if (io.signal.aborted) throw err;
    throw new CliError(`the sign-in did not complete: ${(err as Error).message}`);
  }
}

/** Authorization code with PKCE; the provider sends the browser back to a one-shot listener on 127.0.0.1. */
async function browserFlow(config: oidc.Configuration, scope: string, io: CliIo, openBrowser: boolean) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  try {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      // OpenID Connect Core 11: a refresh token for offline_access is only issued after consent was asked.
      ...(scope.split(" ").includes("offline_access") ? { prompt: "consent" } : {}),
    });
    io.stderr.write(`To sign in, open this address in a browser:\n  ${url.href}\nWaiting for the browser to come back to ${redirectUri}...\n`);
    if (openBrowser) tryToOpen(url.href);
    return await new Promise<Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>>((done, fail) => {
      const timer = setTimeout(() => fail(new CliError("no sign-in within 5 minutes")), browserTimeoutMs);
      const stop = () => fail(io.signal.reason);
      io.signal.addEventListener("abort", stop, { once: true });
      const finish = () => {
        clearTimeout(timer);
        io.signal.removeEventListener("abort", stop);
      };
      server.on("request", (req, res) => {
        const current = new URL(req.url ?? "/", redirectUri);
        if (current.pathname !== "/callback") {
          res.writeHead(404).end();
          return;
        }
        oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: verifier, expectedState: state }).then(
          (tokens) => {
            res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("Signed in. You may close this window and return to the terminal.\n");
            finish();
            done(tokens);
          },
          (err: Error) => {
            res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end(`Sign-in failed: ${err.message}\n`);
            finish();
            fail(new CliError(`the sign-in failed: ${err.message}`));
          },
        );
      });
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** Best effort: the address is printed anyway. */
function tryToOpen(url: string): void {
  const command = process.platform === "darwin" ? ["open", url] : process.platform === "win32" ? ["cmd", "/c", "start", "", url] : ["xdg-open", url];
  const child = spawn(command[0]!, command.slice(1), { stdio: "ignore", detached: true });
  child.on("error", () => undefined);
  child.unref();
}
