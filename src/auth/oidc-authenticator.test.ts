import { createHmac } from "node:crypto";
import { decodeJwt, importJWK, SignJWT, UnsecuredJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSigningKey, signIn, startTestProvider, type TestProvider } from "../../test/support/oidc-test-provider.js";
import { createOidcAuthenticator, type OidcSettings } from "./oidc-authenticator.js";

const accounts = [
  { id: "alice", email: "alice@example.com", groups: ["platform-team", "shop-devs"] },
  { id: "bob", email: "bob@example.com" },
];

describe("OIDC authenticator against a real provider", () => {
  let provider: TestProvider;
  let other: TestProvider;
  let settings: OidcSettings;

  beforeAll(async () => {
    provider = await startTestProvider({ accounts, clientIds: ["choreoctl", "another-app"] });
    other = await startTestProvider({ accounts });
    settings = { issuer: provider.issuer, audiences: ["choreoctl"], subjectClaim: "sub", groupsClaim: "groups", clockSkewSeconds: 30 };
  });
  afterAll(async () => {
    await provider?.close();
    await other?.close();
  });

  const rejection = async (authenticate: Promise<unknown>) => {
    const err = await authenticate.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, "the token should have been refused").toBeInstanceOf(Error);
    expect((err as Error).name).toBe("UnauthenticatedError");
    return (err as Error).message;
  };

  it("accepts an ID token of the issuer: subject oidc:<sub> and the groups claim", async () => {
    const { idToken } = await signIn(provider.issuer, "alice");
    const principal = await createOidcAuthenticator(settings).authenticate(idToken);
    expect(principal).toEqual({ subject: "oidc:alice", groups: ["platform-team", "shop-devs"], via: "oidc" });
  });

  it("takes the verified email as the subject when configured so; no groups claim is no groups", async () => {
    const { idToken } = await signIn(provider.issuer, "bob");
    const principal = await createOidcAuthenticator({ ...settings, subjectClaim: "email" }).authenticate(idToken);
    expect(principal).toEqual({ subject: "bob@example.com", groups: [], via: "oidc" });
  });

  it("leaves bearers that are not JWTs to the other authenticators", async () => {
    const authenticator = createOidcAuthenticator(settings);
    expect(await authenticator.authenticate("choreo_abcdefghijklmnopqrstuvwxyz0123456789")).toBeUndefined();
    expect(await authenticator.authenticate("a.b.c")).toBeUndefined();
  });

  it("refuses a token issued to another client (wrong audience)", async () => {
    const { idToken } = await signIn(provider.issuer, "alice", "another-app");
    expect(await rejection(createOidcAuthenticator(settings).authenticate(idToken))).toMatch(/audience/);
  });

  it("refuses a token of another issuer", async () => {
    const { idToken } = await signIn(other.issuer, "alice");
    expect(await rejection(createOidcAuthenticator(settings).authenticate(idToken))).toMatch(/another issuer/);
  });

  it("refuses an expired token, allowing the configured clock skew", async () => {
    const { idToken } = await signIn(provider.issuer, "alice");
    const exp = decodeJwt(idToken).exp! * 1000;
    const at = (ms: number) => createOidcAuthenticator(settings, { now: () => ms }).authenticate(idToken);
    expect((await at(exp + 20_000))?.subject).toBe("oidc:alice");
    expect(await rejection(at(exp + 31_000))).toMatch(/expired/);
  });

  it("refuses a token before its nbf (beyond the skew), signed with the issuer's own key", async () => {
    const key = provider.keys[0]!;
    const token = await signAs(key, { sub: "alice", nbf: Math.floor(Date.now() / 1000) + 300 });
    expect(await rejection(createOidcAuthenticator(settings).authenticate(token))).toMatch(/not valid yet/);
    const soon = await signAs(key, { sub: "alice", nbf: Math.floor(Date.now() / 1000) + 10 });
    expect((await createOidcAuthenticator(settings).authenticate(soon))?.subject).toBe("oidc:alice");
  });

  it("refuses a signed token whose sub is not a string (a list would otherwise read as the subject it holds)", async () => {
    const key = provider.keys[0]!;
    for (const sub of [["alice"], { id: "alice" }, ""]) {
      expect(await rejection(createOidcAuthenticator(settings).authenticate(await signAs(key, { sub })))).toMatch(/sub is not a non-empty string/);
    }
  });

  it("refuses alg none and HMAC tokens, even an HMAC keyed with the issuer's public key", async () => {
    const claims = { iss: provider.issuer, aud: "choreoctl", sub: "mallory", exp: Math.floor(Date.now() / 1000) + 600 };
    const unsecured = new UnsecuredJWT(claims).encode();
    const authenticator = createOidcAuthenticator(settings);
    expect(await rejection(authenticator.authenticate(unsecured))).toMatch(/algorithm/);

    // The classic confusion: the public key's bytes used as the HMAC secret.
    const publicJwk = JSON.stringify({ kty: provider.keys[0]!.kty, n: provider.keys[0]!.n, e: provider.keys[0]!.e });
    const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT", kid: provider.keys[0]!.kid })).toString("base64url");
    const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const mac = createHmac("sha256", publicJwk).update(`${header}.${body}`).digest("base64url");
    expect(await rejection(authenticator.authenticate(`${header}.${body}.${mac}`))).toMatch(/algorithm/);
  });

  it("follows a key rotation: a token signed by a new key is accepted once the issuer publishes it", async () => {
    const authenticator = createOidcAuthenticator(settings, { jwksCooldownMs: 0 });
    const before = await signIn(provider.issuer, "alice");
    expect((await authenticator.authenticate(before.idToken))?.subject).toBe("oidc:alice");

    // The issuer restarts with a new signing key first and the old one still published.
    const rotatedKey = await newSigningKey();
    const port = provider.port;
    const oldKeys = provider.keys;
    await provider.close();
    provider = await startTestProvider({ accounts, clientIds: ["choreoctl", "another-app"], port, keys: [rotatedKey, ...oldKeys] });

    const after = await signIn(provider.issuer, "alice");
    expect(decodeProtectedHeaderKid(after.idToken)).toBe(rotatedKey.kid);
    expect((await authenticator.authenticate(after.idToken))?.subject).toBe("oidc:alice");
    expect((await authenticator.authenticate(before.idToken))?.subject).toBe("oidc:alice");

    // A token signed with a key the issuer never published is refused after the refetch.
    const stranger = await signAs(await newSigningKey(), { sub: "alice" });
    expect(await rejection(authenticator.authenticate(stranger))).toMatch(/key the issuer does not publish/);
  });

  async function signAs(jwk: JWK, claims: Record<string, unknown>): Promise<string> {
    const key = await importJWK(jwk, jwk.alg);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid! })
      .setIssuer(provider.issuer)
      .setAudience("choreoctl")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(key);
  }
});

function decodeProtectedHeaderKid(token: string): string | undefined {
  return (JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as { kid?: string }).kid;
}
