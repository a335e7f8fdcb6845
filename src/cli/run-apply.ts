import { Code, ConnectError } from "@connectrpc/connect";
import { ApplyAction, type ApplyResult } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import type { JsonObject } from "../model/index.js";
import { CliError, usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { fieldViolationsOf } from "./format-error.js";
import { objectRef } from "./object-meta.js";
import { parseDuration } from "../model/parse-duration.js";
import { documentLabel, readManifests, type ManifestDocument, type Manifests } from "./read-manifests.js";
import { waitWithProgress } from "./wait-with-progress.js";
import type { WaitTarget } from "./wait-for-ready.js";

const actions: Record<ApplyAction, string> = {
  [ApplyAction.UNSPECIFIED]: "applied",
  [ApplyAction.CREATED]: "created",
  [ApplyAction.CONFIGURED]: "configured",
  [ApplyAction.UNCHANGED]: "unchanged",
};

/**
 * `apply -f` as kubectl does it: first every document of every file in one dry-run Apply, so the
 * server checks them all before any is written (one bad document changes nothing); then each
 * document on its own, in order, so one that appears twice is created, then configured. A document
 * the server refuses is reported and the rest still go; the exit code says some failed. With
 * --wait, follows each applied object to Ready.
 */
export async function runApply(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const files = args.values("filename");
  if (files.length === 0) throw usageError("apply needs -f FILE, -f DIR or -f - (stdin)", "apply");
  if (args.positionals.length > 0) throw usageError(`unexpected argument "${args.positionals[0]}"`, "apply");
  const wait = args.enabled("wait");
  const dryRun = args.enabled("dry-run");
  if (args.has("timeout") && !wait) throw usageError("--timeout goes with --wait", "apply");
  if (wait && dryRun) throw usageError("--wait and --dry-run exclude each other: a dry run creates nothing to wait for", "apply");
  const timeoutText = args.value("timeout") ?? "2m";
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === undefined) throw usageError(`--timeout "${timeoutText}" is not a duration (e.g. 90s, 2m, 1h)`, "apply");

  const { registry, codec } = await ctx.model();
  const manifests = await readManifests(files, { recursive: args.enabled("recursive"), cwd: io.cwd, stdin: io.stdin, codec });
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const apply = (text: string, dry: boolean) => api.resources.apply({ manifests: text, defaultNamespace: namespace, dryRun: dry }, { signal: io.signal });
  // One server dry run per stretch of documents that names each object once (the server refuses an
  // Apply naming an object twice; files may, and kubectl creates, then configures it).
  const checked: ApplyResult[] = [];
  let checkedBefore = 0;
  for (const run of runsNamingEachObjectOnce(manifests.documents, namespace)) {
    const { results } = await apply(run.map((doc) => JSON.stringify(doc.json)).join("\n---\n"), true).catch((err: unknown) => {
      throw withSourceNames(err, manifests, checkedBefore);
    });
    checked.push(...results);
    checkedBefore += run.length;
  }

  const report = (result: ApplyResult): WaitTarget => {
    const kind = registry.lookup(result.apiVersion, result.kind);
    if (!kind) throw new CliError(`the server applied a kind this client does not know: ${result.apiVersion} ${result.kind}`);
    const ref = objectRef(kind, result.name);
    io.stdout.write(`${ref} ${actions[result.action]}${dryRun ? " (server dry run)" : ""}\n`);
    return { kind, namespace: result.namespace, name: result.name, ref };
  };
  if (dryRun) {
    checked.forEach(report);
    return 0;
  }

  const targets: WaitTarget[] = [];
  let failed = 0;
  for (const doc of manifests.documents) {
    try {
      // JSON is YAML: the document goes as the client parsed it, one per call.
      const { results } = await applyRetryingConflicts(() => apply(JSON.stringify(doc.json), false));
      targets.push(...results.map(report));
    } catch (err) {
      if (!isDocumentError(err)) throw err;
      failed += 1;
      io.stderr.write(`error: ${doc.source}: document ${doc.index}${describeDocument(doc.json)}: ${err.rawMessage}\n`);
    }
  }
  if (wait && targets.length > 0) await waitWithProgress(api, targets, { timeoutMs, timeoutText, io });
  return failed > 0 ? 1 : 0;
}

/** How often a document is applied again after a conflict (a controller wrote the object meanwhile). */
const conflictAttempts = 5;

/**
 * An update can race a controller writing the same object between the server's read and write; the
 * server then answers Aborted (a stale resourceVersion). Applying is idempotent, so it is retried,
 * as kubectl's apply does on a conflict.
 */
async function applyRetryingConflicts<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ConnectError && err.code === Code.Aborted) || attempt >= conflictAttempts) throw err;
    }
  }
}

/** Errors about one document (it exists, conflicts, is refused); others (no server, no credentials) end the run. */
function isDocumentError(err: unknown): err is ConnectError {
  const fatal = [Code.Unavailable, Code.Unauthenticated, Code.Canceled, Code.DeadlineExceeded, Code.Internal, Code.Unknown];
  return err instanceof ConnectError && !fatal.includes(err.code);
}

function describeDocument(json: JsonObject): string {
  const meta = (json.metadata ?? {}) as JsonObject;
  return ` (${String(json.kind)} ${String(meta.name ?? "(unnamed)")})`;
}

/** The documents split, in order, where one names an object an earlier one of its stretch named. */
function runsNamingEachObjectOnce(documents: readonly ManifestDocument[], defaultNamespace: string): ManifestDocument[][] {
  const runs: ManifestDocument[][] = [];
  let named = new Set<string>();
  for (const doc of documents) {
    const meta = (doc.json.metadata ?? {}) as JsonObject;
    const key = `${String(doc.json.kind)}/${String(meta.namespace ?? defaultNamespace)}/${String(meta.name ?? "")}`;
    if (runs.length === 0 || named.has(key)) {
      runs.push([]);
      named = new Set();
    }
    named.add(key);
    runs.at(-1)!.push(doc);
  }
  return runs;
}

/**
 * The server numbers the documents of one request (`before` documents were sent in earlier ones);
 * users want the file and its own numbering.
 */
function withSourceNames(err: unknown, manifests: Manifests, before: number): unknown {
  if (!(err instanceof ConnectError) || err.code !== Code.InvalidArgument) return err;
  const violations = fieldViolationsOf(err);
  if (violations.length === 0) return err;
  const relabel = (field: string) => field.replace(/^document (\d+)/, (whole, n: string) => documentLabel(manifests, before + Number(n)) ?? whole);
  return new CliError(violations.map((v) => (v.field ? `${relabel(v.field)}: ${v.description}` : v.description)).join("\n"));
}
