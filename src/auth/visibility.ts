import { isJsonObject, type JsonObject, type KindInfo } from "../model/index.js";
import type { Authorizer } from "./authorizer.js";
import { kindPermission, organizationOf } from "./permission-table.js";
import type { Principal } from "./principal.js";

/**
 * Which objects of a kind a principal may read: lists and watches that span organizations (all
 * namespaces, cluster-scoped kinds) pass each object through it. Without an authorizer (a server
 * built without access control, in tests) everything is visible; without a principal nothing is.
 */
export function readableBy(authorizer: Authorizer | undefined, principal: Principal | undefined, kind: KindInfo): (object: JsonObject) => boolean {
  if (!authorizer) return () => true;
  if (!principal) return () => false;
  const permission = kindPermission(kind, "read");
  return (object) => {
    const meta = isJsonObject(object.metadata) ? object.metadata : {};
    const organization = organizationOf(kind, String(meta.namespace ?? ""), String(meta.name ?? ""));
    return authorizer.allows(principal, permission, organization);
  };
}
