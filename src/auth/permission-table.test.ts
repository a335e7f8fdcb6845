import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { isPermissionDeniedError } from "../errors/index.js";
import { createCodec, createKindRegistry } from "../model/index.js";
import { createAuthorizer, type Grant } from "./authorizer.js";
import { createPermissionTable, publicProcedures, type Requirement } from "./permission-table.js";
import type { Principal } from "./principal.js";
import { organizationRoles, type Role } from "./roles.js";

const registry = createKindRegistry(allFiles);
const codec = createCodec(registry);
const services = allFiles.flatMap((f) => f.services);
const table = createPermissionTable(codec, services);
// Answered without a credential (CHOREO_OPEN_ENDPOINTS): not in the table.
const openServices = new Set(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);

const principal: Principal = { subject: "token:someone", groups: [], via: "token" };

/** Why the authorizer refuses what a rule asks for (an Apply's rule answers once it has parsed), or undefined. */
async function refusalOf(authorizer: { require(principal: Principal, needs: readonly Requirement[]): void }, caller: Principal, needs: Requirement[] | Promise<Requirement[]>): Promise<string | undefined> {
  try {
    authorizer.require(caller, await needs);
    return undefined;
  } catch (err) {
    if (!isPermissionDeniedError(err)) throw err;
    return err.message;
  }
}
const authorizerFor = (role: Role | undefined, organization = "acme") =>
  createAuthorizer({ grantsOf: (): Grant[] => (role ? [{ organization: role === "platform-admin" ? undefined : organization, role, grantedBy: "test" }] : []) });

/** The answer a role should get, written from the role descriptions, not from the table. */
const everyone = ["viewer", "developer", "approver", "admin"] as const;
const developers = ["developer", "admin"] as const;
const admins = ["admin"] as const;
const nobody = [] as const;
const developerKinds = new Set(["Component", "Service", "WebApplication", "ScheduledTask", "API", "Workload", "ConfigurationGroup", "DeploymentTrack", "GitCommitRequest", "ServiceBinding", "WebApplicationBinding", "ScheduledTaskBinding", "APIBinding", "Deployment", "Build", "Promotion"]);
const adminKinds = new Set(["Project", "Environment", "DeploymentPipeline", "ServiceClass", "WebApplicationClass", "ScheduledTaskClass", "APIClass", "AuthzRoleBinding"]);
const platformReadKinds = new Set(["PlaneCredential", "ApiToken", "AuthzClusterRoleBinding"]);

function expectedForKind(kind: string, access: "read" | "write"): readonly string[] {
  if (access === "read") return platformReadKinds.has(kind) ? nobody : kind === "AuthzRoleBinding" ? admins : everyone;
  return developerKinds.has(kind) ? developers : adminKinds.has(kind) ? admins : nobody;
}

const otherMethods: Record<string, readonly string[]> = {
  "openchoreo.api.v1alpha1.BuildService/TriggerBuild": developers,
  "openchoreo.api.v1alpha1.BuildService/CancelBuild": developers,
  "openchoreo.api.v1alpha1.PromotionService/Promote": developers,
  "openchoreo.api.v1alpha1.PromotionService/PromoteProject": developers,
  "openchoreo.api.v1alpha1.PromotionService/Rollback": developers,
  "openchoreo.api.v1alpha1.PromotionService/Approve": ["approver", "admin"],
  "openchoreo.api.v1alpha1.PromotionService/Reject": ["approver", "admin"],
  "openchoreo.api.v1alpha1.DataPlaneService/RegisterDataPlane": nobody,
  "openchoreo.api.v1alpha1.DataPlaneService/RotateDataPlaneCredential": nobody,
  "openchoreo.api.v1alpha1.DataPlaneService/RevokeDataPlaneCredential": nobody,
  "openchoreo.api.v1alpha1.BuildPlaneService/RegisterBuildPlane": nobody,
  "openchoreo.api.v1alpha1.BuildPlaneService/RotateBuildPlaneCredential": nobody,
  "openchoreo.api.v1alpha1.BuildPlaneService/RevokeBuildPlaneCredential": nobody,
  "openchoreo.api.v1alpha1.TokenService/CreateToken": admins,
  "openchoreo.api.v1alpha1.AuditService/ListAuditRecords": admins,
  "openchoreo.agent.v1alpha1.PlaneAgentService/Connect": nobody,
};

/** Every (procedure, request) the table must answer for, with who may call it in organization acme. */
function cases(): { procedure: string; request: Record<string, unknown>; allowed: readonly string[]; label: string }[] {
  const out: { procedure: string; request: Record<string, unknown>; allowed: readonly string[]; label: string }[] = [];
  for (const service of services) {
    if (openServices.has(service.typeName)) continue;
    const resource = services.length && service.typeName.endsWith("Service") ? codec.registry.kinds.find((k) => service.typeName === `openchoreo.api.v1alpha1.${k.kind}Service`) : undefined;
    for (const method of service.methods) {
      const procedure = `${service.typeName}/${method.name}`;
      if (publicProcedures.has(procedure)) continue;
      if (service.typeName === "openchoreo.api.v1alpha1.ResourceService") {
        for (const kind of registry.kinds) {
          const access = method.name === "Apply" || method.name === "Delete" ? "write" : "read";
          const namespace = kind.namespaced ? "acme" : "";
          const name = kind.kind === "Organization" ? "acme" : "x";
          const request =
            method.name === "Apply"
              ? { manifests: JSON.stringify({ apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec: kind.kind.startsWith("Authz") ? { role: kind.kind === "AuthzRoleBinding" ? "viewer" : "platform-admin" } : {} }) }
              : method.name === "WatchMany"
                ? { watches: [{ kind: "Project", namespace: "acme" }, { kind: kind.kind, namespace }] }
                : { kind: kind.kind, namespace, name };
          // Listing a cluster-scoped kind is filtered to what the caller may read, so any reader may ask.
          out.push({ procedure, request, allowed: expectedForKind(kind.kind, access), label: `${procedure} ${kind.kind}` });
        }
        continue;
      }
      const verb = /^(Create|Update|Delete|Get|List|Watch)/.exec(method.name)?.[1];
      if (resource && verb && method.name.replace(verb, "").startsWith(resource.kind.replace(/y$/, ""))) {
        const access = verb === "Get" || verb === "List" || verb === "Watch" ? "read" : "write";
        const objectField = method.input.fields.find((f) => f.message?.typeName === resource.schema.typeName)?.localName;
        const metadata = resource.kind === "Organization" ? { name: "acme" } : { name: "x", namespace: "acme" };
        const request = objectField ? { [objectField]: codec.decodeAs(resource.schema, { apiVersion: resource.apiVersion, kind: resource.kind, metadata }) } : { namespace: "acme", name: resource.kind === "Organization" ? "acme" : "x" };
        out.push({ procedure, request, allowed: expectedForKind(resource.kind, access), label: procedure });
        continue;
      }
      const request = method.name === "CreateToken" ? { name: "t", organization: "acme", role: "viewer" } : { namespace: "acme", name: "x" };
      out.push({ procedure, request, allowed: otherMethods[procedure] ?? everyone, label: procedure });
    }
  }
  return out;
}

describe("the permission table", () => {
  it("has an entry for every method of every service, from the descriptors", () => {
    const missing = services.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`)).filter((p) => !table.has(p) && !publicProcedures.has(p) && !openServices.has(p.split("/")[0]!));
    expect(missing).toEqual([]);
    // Every kind through ResourceService's seven methods, every typed method, every other method.
    expect(cases().length).toBeGreaterThan(registry.kinds.length * 7 + 40);
  });

  for (const role of [...organizationRoles, "platform-admin", undefined] as const) {
    it(`answers each method for ${role ?? "a caller without a grant"}, naming the permission it lacks`, async () => {
      const authorizer = authorizerFor(role);
      const wrong: string[] = [];
      for (const c of cases()) {
        const rule = table.get(c.procedure)!;
        const shouldPass =
          c.procedure === "openchoreo.api.v1alpha1.IdentityService/WhoAmI" ||
          (role === "platform-admin" ? c.procedure !== "openchoreo.agent.v1alpha1.PlaneAgentService/Connect" : role !== undefined && c.allowed.includes(role));
        const refusal = await refusalOf(authorizer, principal, rule(c.request));
        if (refusal === undefined && !shouldPass) wrong.push(`${c.label}: allowed`);
        if (refusal !== undefined) {
          expect(refusal).toMatch(/^token:someone lacks permission [a-z]+:[a-z]+ /);
          if (shouldPass) wrong.push(`${c.label}: denied (${refusal})`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it("gives an organization's roles nothing in another organization", async () => {
    const authorizer = authorizerFor("admin", "globex");
    const allowed = [];
    for (const c of cases()) if ((await refusalOf(authorizer, principal, table.get(c.procedure)!(c.request))) === undefined) allowed.push(c);
    // Only what is filtered to the caller's own organizations, or is about the caller.
    expect(allowed.every((c) => /\/(List|Watch)\b|ListTokens|RevokeToken|WhoAmI|\/(List|Watch)[A-Z]/.test(c.label) || c.label.includes("Organization"))).toBe(true);
    expect(await refusalOf(authorizer, principal, table.get("openchoreo.api.v1alpha1.ProjectService/GetProject")!({ namespace: "acme", name: "x" }))).toBe(
      'token:someone lacks permission projects:read in organization "acme"',
    );
  });

  it("refuses escalation: a grant or token may give at most the granter's role", async () => {
    const create = table.get("openchoreo.api.v1alpha1.TokenService/CreateToken")!;
    const apply = table.get("openchoreo.api.v1alpha1.ResourceService/Apply")!;
    const grant = (role: string, namespace = "acme") => ({ manifests: `{"apiVersion":"openchoreo.dev/v1alpha1","kind":"AuthzRoleBinding","metadata":{"name":"g","namespace":"${namespace}"},"spec":{"role":"${role}","subjects":["token:x"]}}` });
    const admin = authorizerFor("admin");
    expect(await refusalOf(admin, principal, create({ name: "t", organization: "acme", role: "admin" }))).toBeUndefined();
    expect(await refusalOf(admin, principal, create({ name: "t", organization: "", role: "platform-admin" }))).toMatch(/tokens:write platform-wide/);
    expect(await refusalOf(admin, principal, create({ name: "t", organization: "acme", role: "viewer", ttl: { seconds: 0n, nanos: 0 } }))).toMatch(/tokens:write platform-wide/);
    expect(await refusalOf(admin, principal, create({ name: "t", organization: "globex", role: "viewer" }))).toMatch(/in organization "globex"/);
    expect(await refusalOf(admin, principal, apply(grant("admin")))).toBeUndefined();
    expect(await refusalOf(admin, principal, apply(grant("viewer", "globex")))).toMatch(/in organization "globex"/);
    expect(await refusalOf(authorizerFor("developer"), principal, create({ name: "t", organization: "acme", role: "viewer" }))).toMatch(/tokens:create/);
    expect(await refusalOf(authorizerFor("developer"), principal, apply(grant("viewer")))).toMatch(/rolebindings:write/);
    const clusterGrant = { manifests: `{"apiVersion":"openchoreo.dev/v1alpha1","kind":"AuthzClusterRoleBinding","metadata":{"name":"g"},"spec":{"role":"platform-admin","subjects":["token:x"]}}` };
    expect(await refusalOf(admin, principal, apply(clusterGrant))).toMatch(/clusterrolebindings:write platform-wide/);
    expect(await refusalOf(authorizerFor("platform-admin"), principal, apply(clusterGrant))).toBeUndefined();
  });

  it("lets a plane agent's credential open its stream and nothing else", async () => {
    const authorizer = authorizerFor("platform-admin");
    const plane: Principal = { subject: "plane:DataPlane/acme/prod", groups: [], via: "plane" };
    expect(await refusalOf(authorizer, plane, table.get("openchoreo.agent.v1alpha1.PlaneAgentService/Connect")!({}))).toBeUndefined();
    expect(await refusalOf(authorizer, plane, table.get("openchoreo.api.v1alpha1.ResourceService/List")!({ kind: "Project", namespace: "acme" }))).toMatch(/plane:DataPlane\/acme\/prod lacks permission projects:read/);
  });
});
