import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider from "oidc-provider";
import * as oidcClient from "openid-client";

/** A person the provider knows: any password signs them in (oidc-provider's development login). */
export interface TestAccount {
  readonly id: string;
  readonly email?: string;
  readonly groups?: readonly string[];
}

export interface TestProviderOptions {
  readonly accounts: readonly TestAccount[];
  /** Public clients (no secret), as choreoctl is; the first is "choreoctl" unless given. */
  readonly clientIds?: readonly string[];
  /** Private signing keys, the first signs; a fresh RS256 key when absent. */
  readonly keys?: readonly JWK[];
  /** Serve on this port (a restarted provider keeps its issuer URL); 0 by default. */
  readonly port?: number;
  /** Seconds an ID token lives (default an hour). */
  readonly idTokenTtl?: number;
  /**
   * More redirect URIs for every client: a web page's own address (the web console), which also
   * lets that origin call the token endpoint (CORS for public clients follows their redirect URIs).
   */
  readonly redirectUris?: readonly string[];
}

/** A real OpenID provider (the oidc-provider package) on loopback, issuing real tokens. */
export interface TestProvider {
  /** e.g. http://127.0.0.1:41234 */
  readonly issuer: string;
  readonly port: number;
  readonly keys: readonly JWK[];
  close(): Promise<void>;
}

/** A new RS256 signing key as a private JWK with a fresh kid. */
export async function newSigningKey(alg: "RS256" | "ES256" = "RS256"): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), alg, use: "sig", kid: `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 10)}` };
}

export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const keys = options.keys ?? [await newSigningKey()];
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map(options.accounts.map((a) => [a.id, a]));
  const provider = new Provider(issuer, {
    clients: (options.clientIds ?? ["choreoctl"]).map((id) => ({
      client_id: id,
      application_type: "native",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
      response_types: ["code"],
      // A native client may use any port on a loopback redirect (RFC 8252 section 7.3).
      redirect_uris: ["http://127.0.0.1/callback", ...(options.redirectUris ?? [])],
    })),
    jwks: { keys: keys as JWK[] },
    features: { deviceFlow: { enabled: true }, devInteractions: { enabled: true }, revocation: { enabled: true } },
    scopes: ["openid", "offline_access", "email", "groups"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], groups: ["groups"] },
    // Identity and groups in the ID token itself, which is what the control plane verifies.
    conformIdTokenClaims: false,
    ttl: { IdToken: options.idTokenTtl ?? 3600, AccessToken: 3600, DeviceCode: 600, RefreshToken: 86_400, Interaction: 600, Session: 3600, Grant: 86_400 },
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed("refresh_token") && code.scopes.has("offline_access"),
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          ...(account.email ? { email: account.email, email_verified: true } : {}),
          ...(account.groups ? { groups: [...account.groups] } : {}),
        }),
      };
    },
  });
  const handle = provider.callback();
  server.on("request", (req, res) => {
    // No keep-alive: a client's pooled connection must not outlive a provider restarted on the same port.
    res.setHeader("connection", "close");
    handle(req, res);
  });
  return {
    issuer,
    port,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Does in a browser what a person does with a device code: opens the verification page, enters the
 * user code, confirms, signs in as `account` and consents. Plain HTTP requests with a cookie jar.
 */
export async function approveDeviceCode(issuer: string, userCode: string, account: string): Promise<void> {
  const browser = createBrowser();
  let page = await browser.get(`${issuer}/device`);
  page = await browser.submit(page, { user_code: userCode });
  page = await browser.submit(page, {}); // the confirmation form
  await signInAndConsent(browser, page, account);
}

/**
 * Follows an authorization URL as a person would: signs in as `account`, consents, and returns the
 * URL the provider finally redirects to (the client's redirect_uri with code and state), without
 * requesting it.
 */
export async function authorizeInBrowser(authorizationUrl: string, account: string, redirectPrefix: string): Promise<string> {
  const browser = createBrowser({ stopAt: redirectPrefix });
  const page = await browser.get(authorizationUrl);
  const final = await signInAndConsent(browser, page, account);
  if (!final.url.startsWith(redirectPrefix)) throw new Error(`the provider did not redirect to ${redirectPrefix}: ended at ${final.url}\n${final.body.slice(0, 500)}`);
  return final.url;
}

/** The tokens a client gets when `account` signs in with authorization code and PKCE (no waiting, unlike the device flow). */
export async function signIn(issuer: string, account: string, clientId = "choreoctl"): Promise<{ idToken: string; refreshToken: string | undefined }> {
  const config = await oidcClient.discovery(new URL(issuer), clientId, undefined, oidcClient.None(), { execute: [oidcClient.allowInsecureRequests] });
  const verifier = oidcClient.randomPKCECodeVerifier();
  const redirectUri = "http://127.0.0.1:1/callback";
  const url = oidcClient.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email groups offline_access",
    prompt: "consent",
    code_challenge: await oidcClient.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  const callback = await authorizeInBrowser(url.href, account, redirectUri);
  const tokens = await oidcClient.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier });
  if (!tokens.id_token) throw new Error("the provider issued no ID token");
  return { idToken: tokens.id_token, refreshToken: tokens.refresh_token };
}

async function signInAndConsent(browser: Browser, page: Page, account: string): Promise<Page> {
  for (let step = 0; step < 4 && /name="prompt" value="(login|consent)"/.test(page.body); step++) {
    page = await browser.submit(page, /value="login"/.test(page.body) ? { login: account, password: "any" } : {});
  }
  if (/class="red"|oops|error/i.test(page.body) && !page.stopped) throw new Error(`the provider refused the sign-in: ${page.body.slice(0, 800)}`);
  return page;
}

interface Page {
  readonly url: string;
  readonly body: string;
  /** The redirect target was not followed (it matched stopAt). */
  readonly stopped: boolean;
}

interface Browser {
  get(url: string): Promise<Page>;
  /** Submits the page's first form with its hidden fields plus `fields`. */
  submit(page: Page, fields: Record<string, string>): Promise<Page>;
}

function createBrowser(options: { readonly stopAt?: string } = {}): Browser {
  const cookies = new Map<string, string>();
  const request = async (url: string, init: RequestInit = {}): Promise<Page> => {
    for (let hop = 0; hop < 20; hop++) {
      if (options.stopAt && url.startsWith(options.stopAt)) return { url, body: "", stopped: true };
      const response = await fetch(url, {
        ...init,
        redirect: "manual",
        headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";", 1);
        const eq = pair!.indexOf("=");
        cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url).href;
        init = {};
        continue;
      }
      return { url, body: await response.text(), stopped: false };
    }
    throw new Error(`too many redirects from ${url}`);
  };
  return {
    get: (url) => request(url),
    submit(page, fields) {
      const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body);
      if (!form) throw new Error(`no form on ${page.url}: ${page.body.slice(0, 800)}`);
      const values = new URLSearchParams();
      for (const input of form[2]!.matchAll(/<input[^>]*>/g)) {
        const name = /name="([^"]*)"/.exec(input[0])?.[1];
        const value = /value="([^"]*)"/.exec(input[0])?.[1];
        if (name && value !== undefined) values.set(name, decodeEntities(value));
      }
      for (const [k, v] of Object.entries(fields)) values.set(k, v);
      return request(new URL(decodeEntities(form[1]!), page.url).href, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: values.toString(),
      });
    },
  };
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#x2F;/g, "/").replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
}
