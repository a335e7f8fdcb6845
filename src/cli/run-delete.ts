import { Code, ConnectError } from "@connectrpc/connect";
import type { KindInfo } from "../model/index.js";
import { CliError, usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { notFoundError } from "./not-found-error.js";
import { objectMeta, objectRef } from "./object-meta.js";
import { parseObjectArgs } from "./parse-object-args.js";
import { readManifests } from "./read-manifests.js";

/** `delete -f FILE` or `delete KIND NAME...`: one Delete per object, in the order given. */
export async function runDelete(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const files = args.values("filename");
  if (files.length > 0 && args.positionals.length > 0) throw usageError("give -f or KIND NAME, not both", "delete");
  const { registry, codec } = await ctx.model();
  const { namespace } = await ctx.target();

  const targets: { kind: KindInfo; namespace: string; name: string }[] = [];
  if (files.length > 0) {
    const manifests = await readManifests(files, { recursive: args.enabled("recursive"), cwd: io.cwd, stdin: io.stdin, codec });
    for (const doc of manifests.documents) {
      let kind: KindInfo;
      try {
        kind = codec.kindOf(doc.json);
      } catch (err) {
        throw new CliError(`${doc.source}: document ${doc.index}: ${(err as Error).message}`);
      }
      const meta = objectMeta(doc.json);
      if (!meta.name) throw new CliError(`${doc.source}: document ${doc.index}: metadata.name: required`);
      targets.push({ kind, namespace: meta.namespace || namespace, name: meta.name });
    }
  } else {
    const { kind, names } = parseObjectArgs(registry, args.positionals, "delete");
    if (names.length === 0) throw usageError(`delete needs a NAME: deleting every ${kind.kind} at once is not supported`, "delete");
    targets.push(...names.map((name) => ({ kind, namespace, name })));
  }

  const api = await ctx.api();
  const missing: typeof targets = [];
  for (const target of targets) {
    const ref = objectRef(target.kind, target.name);
    try {
      const { object } = await api.resources.delete(
        { kind: target.kind.kind, apiVersion: target.kind.apiVersion, namespace: target.namespace, name: target.name },
        { signal: io.signal },
      );
      const pending = object && objectMeta(object).deletionTimestamp;
      io.stdout.write(`${ref} deleted${pending ? " (finalizers pending)" : ""}\n`);
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.NotFound)) throw err;
      if (!args.enabled("ignore-not-found")) missing.push(target);
    }
  }
  if (missing.length > 0) throw notFoundError(missing);
  return 0;
}
