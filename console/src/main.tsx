import "./styles.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Code, ConnectError } from "@connectrpc/connect";
import { api } from "./api.js";
import { credentialRefusedEvent, stopWatching } from "./live.js";
import { href, useRoute, type Route } from "./route.js";
import { finishOidcSignIn, session } from "./session.js";
import { SignIn } from "./views/sign-in.js";
import { Organizations, Organization } from "./views/organizations.js";
import { Project } from "./views/project.js";
import { Component } from "./views/component.js";
import { Approvals } from "./views/approvals.js";
import { Planes } from "./views/planes.js";
import { Events } from "./views/events.js";

function App() {
  const [signedIn, setSignedIn] = useState(() => session.credential() !== null);
  const [subject, setSubject] = useState<string>();
  const [error, setError] = useState<string>();
  const route = useRoute();

  useEffect(() => {
    finishOidcSignIn().then(
      (done) => done && setSignedIn(true),
      (err: Error) => setError(err.message),
    );
  }, []);
  useEffect(() => {
    const onRefused = (e: Event) => signOut(`Signed out: ${(e as CustomEvent<string>).detail}`);
    addEventListener(credentialRefusedEvent, onRefused);
    return () => removeEventListener(credentialRefusedEvent, onRefused);
  }, []);
  useEffect(() => {
    if (!signedIn) return;
    api.identity.whoAmI({}).then(
      (me) => setSubject(me.subject),
      (err: unknown) => {
        // A credential the server no longer accepts (expired, revoked): back to the sign-in form.
        if (ConnectError.from(err).code === Code.Unauthenticated) signOut(ConnectError.from(err).rawMessage);
      },
    );
  }, [signedIn]);

  const signOut = (reason?: string) => {
    stopWatching();
    session.signOut();
    setSignedIn(false);
    setSubject(undefined);
    setError(reason);
  };

  if (!signedIn) return <SignIn error={error} onSignedIn={() => setSignedIn(true)} />;
  const org = "org" in route ? route.org : undefined;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.organizations()}>
          OpenChoreo
        </a>
        <nav aria-label="Sections">
          <ul>
            <li>
              <a href={href.organizations()} aria-current={route.view === "organizations" ? "page" : undefined}>
                Organizations
              </a>
            </li>
            {org && (
              <>
                <li>
                  <a href={href.organization(org)} aria-current={route.view === "organization" ? "page" : undefined}>
                    {org}
                  </a>
                </li>
                {(["approvals", "planes", "events"] as const).map((s) => (
                  <li key={s}>
                    <a href={href.section(org, s)} aria-current={route.view === s ? "page" : undefined}>
                      {s[0]!.toUpperCase() + s.slice(1)}
                    </a>
                  </li>
                ))}
              </>
            )}
          </ul>
        </nav>
        <div class="who">
          <span data-testid="subject">{subject ?? ""}</span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <View route={route} />
      </main>
    </>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case "organizations":
      return <Organizations />;
    case "organization":
      return <Organization org={route.org} />;
    case "project":
      return <Project org={route.org} project={route.project} />;
    case "component":
      return <Component org={route.org} name={route.component} />;
    case "approvals":
      return <Approvals org={route.org} />;
    case "planes":
      return <Planes org={route.org} />;
    case "events":
      return <Events org={route.org} />;
  }
}

render(<App />, document.getElementById("app")!);
