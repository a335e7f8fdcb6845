// The signed-in credential lives in sessionStorage: it dies with the tab, and no other origin's script
// may run in the page (the server's Content-Security-Policy) to read it.
const credentialKey = "choreo.credential";
const viaKey = "choreo.via";
const pkceKey = "choreo.oidc.pending";

export type SignInVia = "token" | "oidc";

export const session = {
  credential: (): string | null => sessionStorage.getItem(credentialKey),
  via: (): SignInVia | null => sessionStorage.getItem(viaKey) as SignInVia | null,
  signIn(credential: string, via: SignInVia) {
    sessionStorage.setItem(credentialKey, credential);
    sessionStorage.setItem(viaKey, via);
  },
  signOut() {
    sessionStorage.removeItem(credentialKey);
    sessionStorage.removeItem(viaKey);
  },
};

export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

interface Discovery {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
}

interface Pending {
  readonly state: string;
  readonly verifier: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly redirectUri: string;
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`the issuer's discovery document answered ${res.status}`);
  return (await res.json()) as Discovery;
}

/** Authorization code with PKCE: leaves for the issuer's sign-in page; it comes back to this page. */
export async function startOidcSignIn(config: OidcConfig): Promise<void> {
  const discovery = await discover(config.issuer);
  const verifier = randomString();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const pending: Pending = {
    state: randomString(),
    verifier,
    tokenEndpoint: discovery.token_endpoint,
    clientId: config.clientId,
    redirectUri: `${location.origin}/`,
  };
  sessionStorage.setItem(pkceKey, JSON.stringify(pending));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: pending.redirectUri,
    scope: (config.scopes.length > 0 ? config.scopes : ["openid"]).join(" "),
    state: pending.state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

/**
 * On the way back from the issuer (?code=...&state=...): trades the code for the ID token, which the
 * server accepts as a bearer credential. Returns false when this load is not such a return.
 */
export async function finishOidcSignIn(): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const stored = sessionStorage.getItem(pkceKey);
  if (!code && !params.get("error")) return false;
  sessionStorage.removeItem(pkceKey);
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  if (params.get("error")) throw new Error(`the issuer refused the sign-in: ${params.get("error_description") ?? params.get("error")}`);
  const pending = stored ? (JSON.parse(stored) as Pending) : undefined;
  if (!pending || pending.state !== params.get("state")) throw new Error("the sign-in answer does not match a sign-in started here");
  const res = await fetch(pending.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: code!,
      redirect_uri: pending.redirectUri,
      client_id: pending.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = (await res.json()) as { id_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.id_token) throw new Error(`the issuer gave no ID token: ${body.error_description ?? body.error ?? res.status}`);
  session.signIn(body.id_token, "oidc");
  return true;
}
