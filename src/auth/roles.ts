/** The roles a grant can give: platform-admin everywhere, the others in one organization. */
export const organizationRoles = ["admin", "developer", "approver", "viewer"] as const;
export const platformAdmin = "platform-admin";

export type OrganizationRole = (typeof organizationRoles)[number];
export type Role = OrganizationRole | typeof platformAdmin;

/** What the resource kinds are grouped into for permissions; each has a read and a write permission. */
export const resourceGroups = [
  "organizations",
  "planes",
  "planecredentials",
  "projects",
  "environments",
  "pipelines",
  "classes",
  "components",
  "deployments",
  "builds",
  "promotions",
  "releases",
  "rolebindings",
  "clusterrolebindings",
  "tokens",
] as const;
export type ResourceGroup = (typeof resourceGroups)[number];

/** A permission: `<group>:read`, `<group>:write`, or one of the actions below. */
export type Permission =
  | `${ResourceGroup}:${"read" | "write"}`
  | "promotions:approve"
  | "tokens:create"
  | "tokens:revoke"
  | "identity:read"
  | "metrics:read"
  | "audit:read"
  | "planes:connect";

/**
 * Permissions that exist only platform-wide: they are never held in an organization, so only a
 * platform admin has them (and planes:connect, which only a plane agent's credential gives).
 */
export const platformPermissions: ReadonlySet<Permission> = new Set<Permission>([
  "organizations:write",
  "planes:write",
  "planecredentials:read",
  "planecredentials:write",
  "clusterrolebindings:read",
  "clusterrolebindings:write",
  "tokens:read",
  "tokens:write",
  "releases:write",
  "metrics:read",
  "planes:connect",
]);

const read = (...groups: ResourceGroup[]): Permission[] => groups.map((g): Permission => `${g}:read`);
const write = (...groups: ResourceGroup[]): Permission[] => groups.map((g): Permission => `${g}:write`);

const viewer: Permission[] = [
  "identity:read",
  ...read("organizations", "planes", "projects", "environments", "pipelines", "classes", "components", "deployments", "builds", "promotions", "releases"),
];
const developer: Permission[] = [...viewer, ...write("components", "deployments", "builds", "promotions")];
const approver: Permission[] = [...viewer, "promotions:approve"];
const admin: Permission[] = [
  ...new Set<Permission>([...developer, ...approver, ...write("projects", "environments", "pipelines", "classes"), ...read("rolebindings"), ...write("rolebindings"), "tokens:create", "tokens:revoke", "audit:read"]),
];

/** The permissions of each organization role, in that organization. platform-admin holds every permission. */
export const rolePermissions: Readonly<Record<OrganizationRole, ReadonlySet<Permission>>> = {
  viewer: new Set(viewer),
  developer: new Set(developer),
  approver: new Set(approver),
  admin: new Set(admin),
};

export const isOrganizationRole = (role: string): role is OrganizationRole => (organizationRoles as readonly string[]).includes(role);
