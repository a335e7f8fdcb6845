import type { DescService } from "@bufbuild/protobuf";
import { Verb } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import { createTimeSlicer } from "../core/index.js";
import { describeResourceService, isJsonObject, parseRequestManifests, type Codec, type JsonObject, type KindInfo } from "../model/index.js";
import { isOrganizationRole, platformPermissions, rolePermissions, type Permission, type ResourceGroup } from "./roles.js";

/**
 * Where a permission must be held: in one organization, in at least one (the answer is then filtered
 * to the organizations where it is held), or platform-wide (`organization: undefined`).
 */
export interface Requirement {
  readonly permission: Permission;
  readonly organization: string | typeof anyOrganization | undefined;
}

export const anyOrganization = "*";

/**
 * Procedures that answer without a credential whatever the configuration: how to sign in must be
 * known before one can.
 */
export const publicProcedures: ReadonlySet<string> = new Set(["openchoreo.api.v1alpha1.LoginService/GetLoginConfig"]);

/**
 * What a call needs, from its request message (undefined for a bidi stream, whose messages come later);
 * a rule that reads much of it (an Apply's manifests) answers later, giving the event loop turns.
 */
export type Rule = (request: Record<string, unknown>) => Requirement[] | Promise<Requirement[]>;

/** A rule that answers at once: every rule but the Apply's. */
type ImmediateRule = (request: Record<string, unknown>) => Requirement[];

/** How long the Apply rule parses before the event loop gets a turn. */
const manifestParseSliceMs = 20;

/** Every resource kind in the group its permissions are named after. */
export const kindGroups: Readonly<Record<string, ResourceGroup>> = {
  Organization: "organizations",
  DataPlane: "planes",
  BuildPlane: "planes",
  PlaneCredential: "planecredentials",
  Project: "projects",
  Environment: "environments",
  DeploymentPipeline: "pipelines",
  ServiceClass: "classes",
  WebApplicationClass: "classes",
  ScheduledTaskClass: "classes",
  APIClass: "classes",
  Component: "components",
  Service: "components",
  WebApplication: "components",
  ScheduledTask: "components",
  API: "components",
  Workload: "components",
  ConfigurationGroup: "components",
  DeploymentTrack: "components",
  GitCommitRequest: "components",
  ServiceBinding: "deployments",
  WebApplicationBinding: "deployments",
  ScheduledTaskBinding: "deployments",
  APIBinding: "deployments",
  Deployment: "deployments",
  Build: "builds",
  Promotion: "promotions",
  DeployableArtifact: "releases",
  Endpoint: "releases",
  Release: "releases",
  Event: "releases",
  AuthzRoleBinding: "rolebindings",
  AuthzClusterRoleBinding: "clusterrolebindings",
  ApiToken: "tokens",
};

/** The permission a verb on a kind needs: reads (get, list, watch) and writes (create, update, apply, delete). */
export function kindPermission(kind: Pick<KindInfo, "kind">, access: "read" | "write"): Permission {
  const group = kindGroups[kind.kind];
  // A kind added without an entry must not be open to everyone: the table test names it.
  if (!group) throw new Error(`kind ${kind.kind} has no permission group`);
  return `${group}:${access}`;
}

/** The organization an object belongs to: its namespace, or its own name for an Organization. */
export function organizationOf(kind: Pick<KindInfo, "kind" | "namespaced">, namespace: string, name: string): string | undefined {
  if (kind.namespaced) return namespace || "default";
  return kind.kind === "Organization" ? name : undefined;
}

/** Where a permission on one object is checked (platform permissions are platform-wide whatever the object). */
function at(permission: Permission, organization: string | undefined): Requirement {
  return { permission, organization: platformPermissions.has(permission) ? undefined : organization };
}

const text = (request: Record<string, unknown>, field: string): string => String(request[field] ?? "");
const inNamespace = (permission: Permission, field = "namespace"): ImmediateRule => (request) => [at(permission, text(request, field) || "default")];
const platform = (permission: Permission): ImmediateRule => () => [{ permission, organization: undefined }];

/** A read or write of one object of a kind, or a list or watch of the kind. */
function kindRule(kind: KindInfo, access: "read" | "write", target: (request: Record<string, unknown>) => { namespace: string; name: string } | "collection"): ImmediateRule {
  return (request) => {
    const permission = kindPermission(kind, access);
    const t = target(request);
    if (t !== "collection") return [at(permission, organizationOf(kind, t.namespace, t.name))];
    return [at(permission, kind.namespaced ? text(request, "namespace") || "default" : anyOrganization)];
  };
}

function metadataOf(object: unknown): { namespace: string; name: string } {
  const meta = isJsonObject(object) && isJsonObject(object.metadata) ? object.metadata : {};
  return { namespace: typeof meta.namespace === "string" ? meta.namespace : "", name: typeof meta.name === "string" ? meta.name : "" };
}

/**
 * A grant can give at most the granter's own role in that organization: writing one needs every
 * permission of the role it gives, there.
 */
export function grantRequirements(role: string, organization: string | undefined): Requirement[] {
  if (organization !== undefined && isOrganizationRole(role)) return [...rolePermissions[role]].map((permission) => at(permission, organization));
  // platform-admin, or a role the validation will refuse: only a platform admin may try.
  return [{ permission: "clusterrolebindings:write", organization: undefined }];
}

/**
 * The one permission table: every method of every service the server answers, by procedure
 * (`package.Service/Method`), to what it needs. Resource methods (the typed services and
 * ResourceService) derive theirs from the kind they touch and the verb, through kindGroups.
 */
export function createPermissionTable(codec: Codec, services: readonly DescService[]): ReadonlyMap<string, Rule> {
  const table = new Map<string, Rule>();
  const add = (service: string, rules: Record<string, Rule>) => {
    for (const [method, rule] of Object.entries(rules)) table.set(`${service}/${method}`, rule);
  };

  for (const service of services) {
    const described = describeResourceService(service, codec.registry);
    if (!described) continue;
    const { kind } = described;
    for (const [verb, { method, objectField }] of described.methods) {
      const object = (request: Record<string, unknown>) => {
        const value = request[objectField.localName];
        return metadataOf(value === undefined ? undefined : codec.encode(value as never));
      };
      const named = (request: Record<string, unknown>) => ({ namespace: text(request, "namespace"), name: text(request, "name") });
      const rule =
        verb === Verb.CREATE || verb === Verb.UPDATE
          ? kindRule(kind, "write", object)
          : verb === Verb.DELETE
            ? kindRule(kind, "write", named)
            : verb === Verb.GET
              ? kindRule(kind, "read", named)
              : kindRule(kind, "read", () => "collection");
      table.set(`${service.typeName}/${method.name}`, rule);
    }
  }

  const planeMethods = (kind: "DataPlane" | "BuildPlane") => ({
    [`Register${kind}`]: platform("planes:write"),
    [`Rotate${kind}Credential`]: platform("planes:write"),
    [`Revoke${kind}Credential`]: platform("planes:write"),
    [`List${kind}Objects`]: inNamespace("planes:read"),
  });
  add("openchoreo.api.v1alpha1.DataPlaneService", planeMethods("DataPlane"));
  add("openchoreo.api.v1alpha1.BuildPlaneService", planeMethods("BuildPlane"));
  add("openchoreo.api.v1alpha1.ComponentService", {
    GetRenderedRelease: inNamespace("components:read"),
    // What runs is as readable as what was declared: a viewer of the organization may read it.
    StreamComponentLogs: inNamespace("components:read"),
    GetResourceTree: inNamespace("components:read"),
    WatchResourceTree: inNamespace("components:read"),
  });
  add("openchoreo.api.v1alpha1.BuildService", {
    TriggerBuild: inNamespace("builds:write"),
    CancelBuild: inNamespace("builds:write"),
    GetBuild: inNamespace("builds:read"),
    ListBuilds: inNamespace("builds:read"),
    WatchBuild: inNamespace("builds:read"),
    StreamBuildLogs: inNamespace("builds:read"),
    ListBuildTemplates: inNamespace("builds:read"),
  });
  add("openchoreo.api.v1alpha1.PromotionService", {
    Promote: inNamespace("promotions:write"),
    PromoteProject: inNamespace("promotions:write"),
    Rollback: inNamespace("promotions:write"),
    Approve: inNamespace("promotions:approve"),
    Reject: inNamespace("promotions:approve"),
    GetPromotion: inNamespace("promotions:read"),
    ListPromotions: inNamespace("promotions:read"),
    WatchPromotions: inNamespace("promotions:read"),
    ListHistory: inNamespace("promotions:read"),
  });
  add("openchoreo.api.v1alpha1.TokenService", {
    CreateToken(request) {
      const role = text(request, "role");
      const organization = text(request, "organization");
      const needs: Requirement[] = [organization ? at("tokens:create", organization) : { permission: "tokens:write", organization: undefined }];
      if (role) needs.push(...grantRequirements(role, organization || undefined));
      // A token that never expires outlives every review of who holds it: platform admins only.
      const ttl = request.ttl as { seconds?: bigint; nanos?: number } | undefined;
      if (ttl && !ttl.seconds && !ttl.nanos) needs.push({ permission: "tokens:write", organization: undefined });
      return needs;
    },
    // Filtered: platform admins see every token, others those of the organizations where they may revoke.
    ListTokens: (request) => [at("identity:read", text(request, "organization") || anyOrganization)],
    // The token's organization is only known from the store: the service checks tokens:revoke there.
    RevokeToken: () => [at("identity:read", anyOrganization)],
  });
  // Any authenticated caller may ask who it is, a token without any grant included.
  add("openchoreo.api.v1alpha1.IdentityService", { WhoAmI: () => [] });
  add("openchoreo.agent.v1alpha1.PlaneAgentService", { Connect: platform("planes:connect") });
  add("openchoreo.api.v1alpha1.AuditService", {
    // An organization's admins read its records; the whole log is a platform admin's.
    ListAuditRecords: (request) => [text(request, "namespace") ? at("audit:read", text(request, "namespace")) : { permission: "audit:read", organization: undefined }],
  });

  add("openchoreo.api.v1alpha1.ResourceService", resourceServiceRules(codec));
  // Open by default (CHOREO_OPEN_ENDPOINTS); closed, any signed-in caller may ask.
  const signedIn = () => [at("identity:read", anyOrganization)];
  add("grpc.health.v1.Health", { Check: signedIn, Watch: signedIn, List: signedIn });
  add("grpc.reflection.v1.ServerReflection", { ServerReflectionInfo: signedIn });
  add("grpc.reflection.v1alpha.ServerReflection", { ServerReflectionInfo: signedIn });
  return table;
}

function resourceServiceRules(codec: Codec): Record<string, Rule> {
  const kindOf = (request: Record<string, unknown>): KindInfo | undefined => codec.registry.resolve(text(request, "kind"), text(request, "apiVersion") || undefined);
  // An unknown kind fails in the service with InvalidArgument; asking needs no more than signing in.
  const unknownKind: Requirement[] = [at("identity:read", anyOrganization)];
  const one = (access: "read" | "write"): ImmediateRule => (request) => {
    const kind = kindOf(request);
    return kind ? kindRule(kind, access, () => ({ namespace: text(request, "namespace"), name: text(request, "name") }))(request) : unknownKind;
  };
  const collection: ImmediateRule = (request) => {
    const kind = kindOf(request);
    if (!kind) return unknownKind;
    if (kind.namespaced && request.allNamespaces === true) return [at(kindPermission(kind, "read"), anyOrganization)];
    return kindRule(kind, "read", () => "collection")(request);
  };
  return {
    Get: one("read"),
    Delete: one("write"),
    ListEvents: one("read"),
    WatchEvents: one("read"),
    List: collection,
    Watch: collection,
    // Every watch's own rule, all of which must hold.
    WatchMany(request) {
      const watches = Array.isArray(request.watches) ? (request.watches as Record<string, unknown>[]) : [];
      const needs = watches.flatMap((w) => collection(w));
      return needs.length > 0 ? needs : unknownKind;
    },
    async Apply(request) {
      let documents: JsonObject[];
      try {
        // Thousands of documents take seconds to parse: in slices, once for the call (the Apply
        // handler and the audit trail take the same documents).
        const slicer = createTimeSlicer(manifestParseSliceMs);
        documents = await parseRequestManifests(codec, request, () => slicer.pause());
      } catch {
        return unknownKind;
      }
      const defaultNamespace = text(request, "defaultNamespace") || "default";
      const needs: Requirement[] = [];
      for (const doc of documents) {
        let kind: KindInfo;
        try {
          kind = codec.kindOf(doc);
        } catch {
          continue;
        }
        const meta = metadataOf(doc);
        const organization = organizationOf(kind, meta.namespace || defaultNamespace, meta.name);
        needs.push(at(kindPermission(kind, "write"), organization));
        if (kind.kind === "AuthzRoleBinding" || kind.kind === "AuthzClusterRoleBinding") {
          const spec = isJsonObject(doc.spec) ? doc.spec : {};
          needs.push(...grantRequirements(typeof spec.role === "string" ? spec.role : "", kind.namespaced ? organization : undefined));
        }
      }
      return needs.length > 0 ? needs : unknownKind;
    },
  };
}
