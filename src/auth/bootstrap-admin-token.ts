import { chmod, rename, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { ApiTokenSchema } from "../../gen/openchoreo/model/v1alpha1/api_token_pb.js";
import type { KindRegistry } from "../model/index.js";
import type { ResourceStore } from "../store/index.js";
import { issueApiToken, type ObjectWriter } from "./issue-api-token.js";
import { platformAdmin } from "./roles.js";

export const bootstrapTokenName = "admin";
export const bootstrapTokenFile = "admin.token";

/**
 * On the first start of an empty store (no API token at all), creates a platform-admin token that
 * never expires and writes it to `<dataDir>/admin.token`, readable by its owner only. Returns the
 * file's path when it did, so the banner can say where (never what).
 */
export async function ensureBootstrapAdminToken(deps: { store: ResourceStore; writer: ObjectWriter; registry: KindRegistry; dataDir: string }): Promise<string | undefined> {
  const existing = await deps.store.list(ApiTokenSchema, { limit: 1 });
  if (existing.items.length > 0) return undefined;
  const { token } = await issueApiToken(deps.writer, deps.registry, {
    name: bootstrapTokenName,
    organization: undefined,
    role: platformAdmin,
    expiresAtMs: undefined,
    createdBy: "system:bootstrap",
  });
  const file = path.join(deps.dataDir, bootstrapTokenFile);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${token}\n`, { mode: 0o600 });
  // writeFile's mode is filtered by the umask and ignored for an existing file: set it outright.
  await chmod(temp, 0o600);
  await rename(temp, file);
  return file;
}
