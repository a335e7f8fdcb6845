import type { CommandContext } from "./command-spec.js";

/** `whoami`: the subject the server authenticated, and its roles per organization. */
export async function runWhoami(ctx: CommandContext): Promise<number> {
  const api = await ctx.api();
  const me = await api.identity.whoAmI({});
  const { io } = ctx;
  io.stdout.write(`subject: ${me.subject}\nauthenticated by: ${me.via}\n`);
  if (me.groups.length > 0) io.stdout.write(`groups: ${me.groups.join(", ")}\n`);
  if (me.roles.length === 0) io.stdout.write("roles: none (no grant names you or your groups)\n");
  else {
    io.stdout.write("roles:\n");
    for (const r of me.roles) io.stdout.write(`  ${r.organization ? `${r.organization}: ${r.role}` : `${r.role} (every organization)`}  (${r.grantedBy})\n`);
  }
  return 0;
}
