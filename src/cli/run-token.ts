import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampMs } from "@bufbuild/protobuf/wkt";
import type { ApiToken } from "../../gen/openchoreo/model/v1alpha1/api_token_pb.js";
import { parseDuration } from "../model/parse-duration.js";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { formatTable } from "./format-table.js";

/** `token create NAME`: the token goes alone on the last line of stdout, so `| tail -n 1` captures it. */
export async function runTokenCreate(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const [name, ...rest] = args.positionals;
  if (!name || rest.length > 0) throw usageError("token create needs exactly one NAME", "token create");
  const ttlText = args.value("ttl");
  let ttl;
  if (ttlText !== undefined) {
    const ms = ttlText === "0" ? 0 : parseDuration(ttlText);
    if (ms === undefined) throw usageError(`--ttl "${ttlText}" is not a duration like 24h, 30m or 0`, "token create");
    ttl = create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
  }
  const api = await ctx.api();
  const { token, apiToken } = await api.tokens.createToken({
    name,
    organization: args.value("org") ?? "",
    role: args.value("role") ?? "",
    ...(ttl ? { ttl } : {}),
  });
  const role = apiToken?.spec?.role ? `, role ${apiToken.spec.role}${apiToken.spec.organization ? ` in ${apiToken.spec.organization}` : ""}` : ", no role (grant one with an AuthzRoleBinding)";
  io.stderr.write(`apitoken.openchoreo.dev/${name} created (subject token:${name}${role}, ${expiry(apiToken)}); it is shown once, below\n`);
  io.stdout.write(`${token}\n`);
  return 0;
}

/** `token list`: names, roles, expiry, who created them; never the tokens. */
export async function runTokenList(ctx: CommandContext): Promise<number> {
  const api = await ctx.api();
  const { apiTokens } = await api.tokens.listTokens({ organization: ctx.args.value("org") ?? "" });
  const rows = apiTokens.map((t) => [
    t.metadata?.name ?? "",
    t.spec?.organization || "-",
    t.spec?.role || "-",
    t.spec?.revoked ? "revoked" : expiry(t),
    t.spec?.createdBy ?? "",
  ]);
  ctx.io.stdout.write(formatTable([["NAME", "ORGANIZATION", "ROLE", "EXPIRES", "CREATED-BY"], ...rows]).lines.map((l) => `${l}\n`).join(""));
  return 0;
}

/** `token revoke NAME`. */
export async function runTokenRevoke(ctx: CommandContext): Promise<number> {
  const [name, ...rest] = ctx.args.positionals;
  if (!name || rest.length > 0) throw usageError("token revoke needs exactly one NAME", "token revoke");
  const api = await ctx.api();
  await api.tokens.revokeToken({ name });
  ctx.io.stdout.write(`apitoken.openchoreo.dev/${name} revoked\n`);
  return 0;
}

function expiry(token: ApiToken | undefined): string {
  const at = token?.spec?.expiresAt;
  return at ? `expires ${new Date(timestampMs(at)).toISOString()}` : "never expires";
}
