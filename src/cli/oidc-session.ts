import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type * as oidc from "openid-client";
import * as z from "zod";
import { CliError } from "./cli-error.js";

const sessionSchema = z.object({
  issuer: z.string(),
  clientId: z.string(),
  idToken: z.string(),
  refreshToken: z.string().optional(),
});

/** A context's sign-in: the ID token it sends and the refresh token that renews it. */
export type OidcSession = z.infer<typeof sessionSchema>;

// An ID token this close to its expiry is renewed first, so it does not expire on its way.
const renewBeforeMs = 60_000;

/** Where a context's sign-in is kept: beside the config file, one file per context, readable by its owner only. */
export function sessionPath(configPath: string, context: string): string {
  return join(dirname(configPath), "sessions", `${encodeURIComponent(context)}.json`);
}

export async function readSession(path: string): Promise<OidcSession | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError(`cannot read the sign-in ${path}: ${(err as Error).message}`);
  }
  const parsed = sessionSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new CliError(`the sign-in ${path} is damaged: run "choreoctl login" again`);
  return parsed.data;
}

/** Written atomically, mode 600 in a directory of mode 700: it holds a refresh token. */
export async function writeSession(path: string, session: OidcSession): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(session, null, 2) + "\n", { mode: 0o600 });
  await rename(temporary, path);
}

export async function removeSession(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/**
 * The issuer's configuration for a public client (no secret, as a CLI cannot keep one). Plain HTTP
 * only for an issuer on this machine (a development provider); anything else must be HTTPS.
 */
export async function discoverIssuer(issuer: string, clientId: string): Promise<oidc.Configuration> {
  const client = await openidClient();
  const url = new URL(issuer);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new CliError(`the issuer ${issuer} must be an https:// URL (plain http only on this machine)`);
  }
  try {
    return await client.discovery(url, clientId, undefined, client.None(), url.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : undefined);
  } catch (err) {
    throw new CliError(`cannot reach the identity provider ${issuer}: ${(err as Error).message}`);
  }
}

/** The session a token response starts or renews (a provider may rotate the refresh token, or keep it). */
export function sessionFrom(
  config: Pick<OidcSession, "issuer" | "clientId">,
  tokens: { readonly id_token?: string | undefined; readonly refresh_token?: string | undefined },
  previousRefreshToken?: string,
): OidcSession {
  if (!tokens.id_token) throw new CliError(`the identity provider ${config.issuer} returned no ID token (is "openid" among the scopes?)`);
  const refreshToken = tokens.refresh_token ?? previousRefreshToken;
  return { issuer: config.issuer, clientId: config.clientId, idToken: tokens.id_token, ...(refreshToken ? { refreshToken } : {}) };
}

/**
 * The bearer token of a signed-in context: its ID token, renewed with the refresh token (and the
 * renewal stored) once it is about to expire.
 */
export async function sessionToken(path: string, now: () => number): Promise<string> {
  const session = await readSession(path);
  if (!session) throw new CliError("not signed in", { hint: 'Sign in with "choreoctl login".' });
  const expiry = await expiresAt(session.idToken);
  if (expiry - renewBeforeMs > now()) return session.idToken;
  // Without a refresh token, a token in its last minute is still better than none.
  if (!session.refreshToken && expiry > now()) return session.idToken;
  if (!session.refreshToken) throw new CliError(`your sign-in to ${session.issuer} has expired`, { hint: 'Sign in again with "choreoctl login".' });
  const config = await discoverIssuer(session.issuer, session.clientId);
  let renewed: OidcSession;
  try {
    renewed = sessionFrom(session, await (await openidClient()).refreshTokenGrant(config, session.refreshToken), session.refreshToken);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`your sign-in to ${session.issuer} could not be renewed (${(err as Error).message})`, { hint: 'Sign in again with "choreoctl login".' });
  }
  await writeSession(path, renewed);
  return renewed.idToken;
}

// Loaded when a command needs them: every other command (config, help, a token context) starts without.
const openidClient = () => import("openid-client");

async function expiresAt(idToken: string): Promise<number> {
  const { decodeJwt } = await import("jose");
  try {
    const exp = decodeJwt(idToken).exp;
    return typeof exp === "number" ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}
