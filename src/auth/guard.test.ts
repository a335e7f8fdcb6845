import { describe, expect, it } from "vitest";
import { UnauthenticatedError, isPermissionDeniedError, isUnauthenticatedError } from "../errors/index.js";
import type { Authenticator } from "./authenticator.js";
import { createAuthorizer } from "./authorizer.js";
import { createGuard, type Denial } from "./guard.js";
import type { Rule } from "./permission-table.js";

const headers = (authorization?: string) => new Headers(authorization ? { authorization } : {});
const table = new Map<string, Rule>([["pkg.Svc/Read", (req) => [{ permission: "projects:read", organization: String(req.namespace ?? "acme") }]]]);
const grants = createAuthorizer({ grantsOf: (p) => (p.subject === "token:viewer" ? [{ organization: "acme", role: "viewer", grantedBy: "test" }] : []) });

function guardWith(authenticators: Authenticator[], denials: Denial[] = [], revalidateMs = 20) {
  return createGuard({ authenticators, authorizer: grants, table, open: new Set(["pkg.Open"]), onDenied: (d) => denials.push(d), revalidateMs });
}
const tokens = (valid: Set<string>): Authenticator => ({
  async authenticate(bearer) {
    if (!bearer.startsWith("choreo_")) return undefined;
    if (!valid.has(bearer)) throw new UnauthenticatedError("bad");
    return { subject: `token:${bearer.slice(7)}`, groups: [], via: "token" };
  },
});

describe("the guard", () => {
  it("lets open procedures through without a principal, and refuses what the table lacks", async () => {
    const guard = guardWith([tokens(new Set(["choreo_viewer"]))]);
    expect(await guard.check({ procedure: "pkg.Open/Anything", headers: headers() })).toBeUndefined();
    await expect(guard.check({ procedure: "pkg.Svc/Unknown", headers: headers("Bearer choreo_viewer") })).rejects.toThrow("pkg.Svc/Unknown is not in the permission table");
  });

  it("tries authenticators in order until one claims the credential; a claimed bad credential stops there", async () => {
    const seen: string[] = [];
    const spy = (name: string): Authenticator => ({ authenticate: async () => (seen.push(name), undefined) });
    const guard = guardWith([spy("first"), tokens(new Set(["choreo_viewer"])), spy("last")]);
    expect((await guard.check({ procedure: "pkg.Svc/Read", headers: headers("Bearer choreo_viewer"), request: { namespace: "acme" } }))?.subject).toBe("token:viewer");
    await expect(guard.check({ procedure: "pkg.Svc/Read", headers: headers("Bearer choreo_nobody") })).rejects.toSatisfy(isUnauthenticatedError);
    expect(seen).toEqual(["first", "first"]);
    await expect(guard.check({ procedure: "pkg.Svc/Read", headers: headers("Bearer eyJ.x.y") })).rejects.toSatisfy(isUnauthenticatedError);
    expect(seen).toEqual(["first", "first", "first", "last"]);
  });

  it("tells the audit sink about every refusal, with the subject once it is known", async () => {
    const denials: Denial[] = [];
    const guard = guardWith([tokens(new Set(["choreo_viewer"]))], denials);
    await expect(guard.check({ procedure: "pkg.Svc/Read", headers: headers() })).rejects.toSatisfy(isUnauthenticatedError);
    await expect(guard.check({ procedure: "pkg.Svc/Read", headers: headers("Basic x") })).rejects.toSatisfy(isUnauthenticatedError);
    await expect(guard.check({ procedure: "pkg.Svc/Read", headers: headers("Bearer choreo_viewer"), request: { namespace: "globex" } })).rejects.toSatisfy(isPermissionDeniedError);
    expect(denials).toEqual([
      { procedure: "pkg.Svc/Read", code: "unauthenticated", subject: undefined, message: "authentication required: send the header authorization: Bearer <token>" },
      { procedure: "pkg.Svc/Read", code: "unauthenticated", subject: undefined, message: "the credential is not valid (unknown, revoked, expired or malformed)" },
      { procedure: "pkg.Svc/Read", code: "permission_denied", subject: "token:viewer", message: 'token:viewer lacks permission projects:read in organization "globex"', request: { namespace: "globex" } },
    ]);
  });

  it("aborts a stream's lease once its credential stops authenticating", async () => {
    const valid = new Set(["choreo_viewer"]);
    const guard = guardWith([tokens(valid)]);
    const call = { procedure: "pkg.Svc/Read", headers: headers("Bearer choreo_viewer"), request: { namespace: "acme" } };
    const lease = guard.lease(call, (await guard.check(call))!);
    valid.delete("choreo_viewer");
    await expect.poll(() => lease.signal.aborted).toBe(true);
    expect(isUnauthenticatedError(lease.signal.reason)).toBe(true);
    lease.release();
    guard.close();
  });
});
