import * as oidc from "openid-client";
import type { CommandContext } from "./command-spec.js";
import { discoverIssuer, readSession, removeSession, sessionPath } from "./oidc-session.js";
import { currentContext, saveContext } from "./run-login.js";

/**
 * `logout`: the context forgets its credential: the OIDC sign-in (its refresh token revoked at the
 * issuer where it supports revocation) or the API token file it pointed at (the file itself stays).
 */
export async function runLogout(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const context = currentContext(config, ctx.args.value("context"));
  const path = sessionPath(ctx.configPath, context.name);
  const session = await readSession(path);
  if (session?.refreshToken) {
    // Best effort: the local copy goes whatever the issuer says.
    await discoverIssuer(session.issuer, session.clientId)
      .then((issuer) => oidc.tokenRevocation(issuer, session.refreshToken!, { token_type_hint: "refresh_token" }))
      .catch((err: Error) => ctx.io.stderr.write(`warning: the issuer did not revoke the refresh token: ${err.message}\n`));
  }
  const signedOut = await removeSession(path);
  if (context.tokenFile) {
    const { tokenFile: _file, ...rest } = context;
    await saveContext(ctx, config, rest);
  }
  ctx.io.stdout.write(signedOut || context.tokenFile ? `Context "${context.name}" signed out.\n` : `Context "${context.name}" was not signed in.\n`);
  return 0;
}
