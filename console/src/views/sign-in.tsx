import { useEffect, useState } from "preact/hooks";
import { ConnectError } from "@connectrpc/connect";
import { api } from "../api.js";
import { session, startOidcSignIn, type OidcConfig } from "../session.js";
import { ErrorNote } from "../ui.js";

/** An API token pasted in, or the server's OIDC issuer when it has one (LoginService tells). */
export function SignIn({ error, onSignedIn }: { error: string | undefined; onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState(error);
  const [oidc, setOidc] = useState<OidcConfig>();
  useEffect(() => {
    api.login.getLoginConfig({}).then(
      (c) => c.issuer && setOidc(c),
      () => undefined,
    );
  }, []);
  useEffect(() => setProblem(error), [error]);

  const submit = async (e: Event) => {
    e.preventDefault();
    session.signIn(token.trim(), "token");
    try {
      await api.identity.whoAmI({});
      onSignedIn();
    } catch (err) {
      session.signOut();
      setProblem(ConnectError.from(err).rawMessage);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>OpenChoreo console</h1>
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">Sign in</h2>
        <label for="token">API token</label>
        <input id="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <p class="hint">
          <code>choreoctl token create NAME --org ORG --role ROLE</code> prints one; <code>npm start</code> writes the platform admin's to{" "}
          <code>.choreo/admin.token</code>. It is kept in this tab only.
        </p>
        <button type="submit" class="primary">
          Sign in
        </button>
        <ErrorNote error={problem} />
      </form>
      {oidc && (
        <p>
          <button type="button" onClick={() => startOidcSignIn(oidc).catch((err: Error) => setProblem(err.message))}>
            Sign in with {new URL(oidc.issuer).host}
          </button>
        </p>
      )}
    </main>
  );
}
