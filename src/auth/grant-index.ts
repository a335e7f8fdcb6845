import { AuthzClusterRoleBindingSchema, AuthzRoleBindingSchema, type AuthzClusterRoleBinding, type AuthzRoleBinding } from "../../gen/openchoreo/model/v1alpha1/authz_role_binding_pb.js";
import type { Informer } from "../core/index.js";
import type { Grant, GrantSource } from "./authorizer.js";
import { isOrganizationRole, platformAdmin } from "./roles.js";

export interface GrantIndex extends GrantSource {
  /** Resolves once both kinds are cached. */
  ready(): Promise<boolean>;
  /** Stops listening to the informers. */
  close(): void;
}

/**
 * The grants of the store, indexed by subject and group from the informers' caches (rebuilt on the
 * first lookup after a change), so authorizing a call reads no store.
 */
export function createGrantIndex(informers: { informerFor(schema: typeof AuthzRoleBindingSchema | typeof AuthzClusterRoleBindingSchema): Informer }): GrantIndex {
  const namespaced = informers.informerFor(AuthzRoleBindingSchema);
  const cluster = informers.informerFor(AuthzClusterRoleBindingSchema);
  let bySubject = new Map<string, Grant[]>();
  let byGroup = new Map<string, Grant[]>();
  let dirty = true;
  const markDirty = () => {
    dirty = true;
  };
  const unsubscribe = [namespaced.addEventHandler(markDirty), cluster.addEventHandler(markDirty)];

  const rebuild = () => {
    bySubject = new Map();
    byGroup = new Map();
    const add = (index: Map<string, Grant[]>, key: string, grant: Grant) => {
      const list = index.get(key);
      if (list) list.push(grant);
      else index.set(key, [grant]);
    };
    for (const binding of namespaced.cache.list() as AuthzRoleBinding[]) {
      const role = binding.spec?.role ?? "";
      if (!isOrganizationRole(role)) continue;
      const organization = binding.metadata?.namespace ?? "";
      const grant: Grant = { organization, role, grantedBy: `AuthzRoleBinding ${organization}/${binding.metadata?.name ?? ""}` };
      for (const subject of binding.spec?.subjects ?? []) add(bySubject, subject, grant);
      for (const group of binding.spec?.groups ?? []) add(byGroup, group, grant);
    }
    for (const binding of cluster.cache.list() as AuthzClusterRoleBinding[]) {
      if (binding.spec?.role !== platformAdmin) continue;
      const grant: Grant = { organization: undefined, role: platformAdmin, grantedBy: `AuthzClusterRoleBinding ${binding.metadata?.name ?? ""}` };
      for (const subject of binding.spec.subjects) add(bySubject, subject, grant);
      for (const group of binding.spec.groups) add(byGroup, group, grant);
    }
    dirty = false;
  };

  return {
    grantsOf(principal) {
      if (dirty) rebuild();
      return [...(bySubject.get(principal.subject) ?? []), ...principal.groups.flatMap((g) => byGroup.get(g) ?? [])];
    },
    async ready() {
      namespaced.start();
      cluster.start();
      return (await namespaced.waitForSync()) && (await cluster.waitForSync());
    },
    close() {
      for (const stop of unsubscribe) stop();
    },
  };
}
