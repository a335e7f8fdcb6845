import { timestampDate } from "@bufbuild/protobuf/wkt";
import { parseDuration } from "../model/parse-duration.js";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import type { Api } from "./create-api.js";

type PlaneKind = "DataPlane" | "BuildPlane";

/** The plane kind and name a plane subcommand names, and the service that serves that kind. */
function planeArgs(ctx: CommandContext, command: string): { kind: PlaneKind; name: string } {
  const [kindText, name, ...rest] = ctx.args.positionals;
  const kind = ({ dataplane: "DataPlane", buildplane: "BuildPlane" } as const)[(kindText ?? "").toLowerCase() as "dataplane" | "buildplane"];
  if (!kind || !name || rest.length > 0) throw usageError(`${command} needs dataplane|buildplane and one NAME`, command);
  return { kind, name };
}

function graceSeconds(ctx: CommandContext, command: string): number {
  const text = ctx.args.value("grace");
  if (text === undefined) return 0;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1000) throw usageError(`--grace "${text}" is not a duration of a second or more, like 30s or 10m`, command);
  return Math.floor(ms / 1000);
}

const resource = (kind: PlaneKind, name: string) => `${kind.toLowerCase()}.openchoreo.dev/${name}`;

/** Each plane kind's three credential methods, under one shape. */
function credentialMethods(api: Api, kind: PlaneKind) {
  return kind === "DataPlane"
    ? { register: api.dataPlanes.registerDataPlane, rotate: api.dataPlanes.rotateDataPlaneCredential, revoke: api.dataPlanes.revokeDataPlaneCredential }
    : { register: api.buildPlanes.registerBuildPlane, rotate: api.buildPlanes.rotateBuildPlaneCredential, revoke: api.buildPlanes.revokeBuildPlaneCredential };
}

/** `plane register KIND NAME [--replace]`: the credential goes alone on the last line of stdout. */
export async function runPlaneRegister(ctx: CommandContext): Promise<number> {
  const { kind, name } = planeArgs(ctx, "plane register");
  const replace = ctx.args.enabled("replace");
  const gracePeriodSeconds = graceSeconds(ctx, "plane register");
  const { namespace } = await ctx.target();
  const answer = await credentialMethods(await ctx.api(), kind).register({ namespace, name, replace, gracePeriodSeconds });
  ctx.io.stderr.write(
    `${resource(kind, name)} ${replace ? "registered again (the replaced credential stays valid for its grace period)" : "registered"}; PlaneCredential ${answer.credentialName}\n` +
      `start its agent with (the credential in the file it names):\n  ${answer.agentCommand}\nthe credential is shown once, below\n`,
  );
  ctx.io.stdout.write(`${answer.credential}\n`);
  return 0;
}

/** `plane rotate KIND NAME [--grace 5m]`. */
export async function runPlaneRotate(ctx: CommandContext): Promise<number> {
  const { kind, name } = planeArgs(ctx, "plane rotate");
  const gracePeriodSeconds = graceSeconds(ctx, "plane rotate");
  const { namespace } = await ctx.target();
  const answer = await credentialMethods(await ctx.api(), kind).rotate({ namespace, name, gracePeriodSeconds });
  const until = answer.previousExpiresAt ? timestampDate(answer.previousExpiresAt).toISOString() : "now";
  ctx.io.stderr.write(`${resource(kind, name)} credential rotated; the previous one is valid until ${until}; the new one is shown once, below\n`);
  ctx.io.stdout.write(`${answer.credential}\n`);
  return 0;
}

/** `plane revoke KIND NAME`. */
export async function runPlaneRevoke(ctx: CommandContext): Promise<number> {
  const { kind, name } = planeArgs(ctx, "plane revoke");
  const { namespace } = await ctx.target();
  await credentialMethods(await ctx.api(), kind).revoke({ namespace, name });
  ctx.io.stdout.write(`${resource(kind, name)} credential revoked\n`);
  return 0;
}
