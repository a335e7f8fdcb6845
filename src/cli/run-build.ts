import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Build } from "../../gen/openchoreo/model/v1alpha1/build_pb.js";
import { parseDuration } from "../model/parse-duration.js";
import { CliError, usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { formatAge } from "./format-age.js";
import { formatTable } from "./format-table.js";
import { createProgressView, type ProgressTask } from "./progress-view.js";

const steps = ["clone-step", "build-step", "push-step", "workload-create-step"];
const finished = new Set(["Succeeded", "Failed", "Cancelled"]);

function oneName(ctx: CommandContext, command: string, what: string): string {
  if (ctx.args.positionals.length !== 1) throw usageError(`${command} takes exactly one ${what}`, command);
  return ctx.args.positionals[0]!;
}

/** The build's steps as a task list: done, running (waiting) or failed, with Argo's message. */
function stepTasks(build: Build): ProgressTask[] {
  const reported = new Map((build.status?.steps ?? []).map((s) => [s.name ?? "", s]));
  return steps.map((name) => {
    const step = reported.get(name);
    const phase = step?.phase ?? "Pending";
    const state = phase === "Succeeded" ? "done" : phase === "Failed" || phase === "Error" ? "failed" : "waiting";
    return { label: name, state, detail: step?.message ? `${phase}: ${step.message}` : phase };
  });
}

function outcomeLine(build: Build): string {
  const completed = build.status?.conditions.find((c) => c.type === "Completed");
  const ready = build.status?.conditions.find((c) => c.type === "Ready");
  const phase = build.status?.phase || "Pending";
  if (phase === "Succeeded") {
    const image = build.status?.imageStatus?.image;
    return `build ${build.metadata?.name}: Succeeded${image ? `, image ${image}` : ""}${build.status?.workloadName ? ` in Workload ${build.status.workloadName}` : ""}${ready?.status === "True" ? "" : ` (${ready?.reason}: ${ready?.message})`}`;
  }
  return `build ${build.metadata?.name}: ${phase}${completed?.message ? ` (${completed.message})` : ""}`;
}

/** `build trigger COMPONENT [--commit SHA | --branch NAME] [--wait]`. */
export async function runBuildTrigger(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const component = oneName(ctx, "build trigger", "component");
  if (args.has("timeout") && !args.enabled("wait")) throw usageError("--timeout goes with --wait", "build trigger");
  const timeoutText = args.value("timeout") ?? "30m";
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === undefined) throw usageError(`--timeout "${timeoutText}" is not a duration (e.g. 90s, 10m, 1h)`, "build trigger");
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const build = (await api.builds.triggerBuild({ namespace, componentName: component, commit: args.value("commit") ?? "", branch: args.value("branch") ?? "" })).build!;
  const name = build.metadata?.name ?? "";
  io.stdout.write(`build.openchoreo.dev/${name} created\n`);
  if (!args.enabled("wait")) return 0;

  const abort = new AbortController();
  const onAbort = () => abort.abort();
  io.signal.addEventListener("abort", onAbort);
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const view = createProgressView(io.stderr);
  const title = `Building ${component} (${name})`;
  let last = build;
  try {
    for await (const event of api.builds.watchBuild({ namespace, name }, { signal: abort.signal })) {
      if (!event.build) continue;
      last = event.build;
      view.update(`${title}: ${last.status?.phase || "Pending"}`, stepTasks(last));
      if (finished.has(last.status?.phase ?? "")) break;
    }
  } catch (err) {
    if (!abort.signal.aborted) {
      view.finish(title, stepTasks(last));
      throw err;
    }
  } finally {
    clearTimeout(timer);
    io.signal.removeEventListener("abort", onAbort);
    abort.abort();
  }
  view.finish(`${title}: ${last.status?.phase || "Pending"}`, stepTasks(last));
  if (io.signal.aborted) return 1;
  if (!finished.has(last.status?.phase ?? "")) throw new CliError(`timed out after ${timeoutText}: build ${name} is ${last.status?.phase || "Pending"}`);
  io.stdout.write(`${outcomeLine(last)}\n`);
  return last.status?.phase === "Succeeded" ? 0 : 1;
}

/** `build list [COMPONENT]`. */
export async function runBuildList(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  if (args.positionals.length > 1) throw usageError("build list takes at most one component", "build list");
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const { builds } = await api.builds.listBuilds({ namespace, componentName: args.positionals[0] ?? "" });
  if (builds.length === 0) {
    io.stderr.write(`No builds found in namespace ${namespace}.\n`);
    return 0;
  }
  const rows = builds.map((b) => [
    b.metadata?.name ?? "",
    b.spec?.owner?.componentName ?? "",
    b.status?.phase || "Pending",
    b.status?.commit ?? "",
    b.status?.imageStatus?.image ?? "",
    b.metadata?.creationTimestamp ? formatAge(io.now() - timestampMs(b.metadata.creationTimestamp)) : "",
  ]);
  for (const line of formatTable([["NAME", "COMPONENT", "PHASE", "COMMIT", "IMAGE", "AGE"], ...rows]).lines) io.stdout.write(`${line}\n`);
  return 0;
}

/** `build logs BUILD [-f]`: the log as the build plane streamed it, from the start. */
export async function runBuildLogs(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const name = oneName(ctx, "build logs", "build");
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const follow = args.enabled("follow");
  let offset = 0;
  try {
    for await (const chunk of api.builds.streamBuildLogs({ namespace, name, offset, follow }, { signal: io.signal })) {
      if (chunk.truncated) io.stderr.write(`(the log's first ${chunk.offset - offset} bytes were dropped: it exceeded its size limit)\n`);
      io.stdout.write(Buffer.from(chunk.data).toString("utf8"));
      offset = chunk.nextOffset;
    }
  } catch (err) {
    if (!io.signal.aborted) throw err;
  }
  return 0;
}

/** `build cancel BUILD`. */
export async function runBuildCancel(ctx: CommandContext): Promise<number> {
  const name = oneName(ctx, "build cancel", "build");
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  const build = (await api.builds.cancelBuild({ namespace, name })).build!;
  const phase = build.status?.phase ?? "";
  ctx.io.stdout.write(finished.has(phase) ? `build ${name} already ended: ${phase}\n` : `build ${name}: cancellation requested; its Workflow is being terminated\n`);
  return 0;
}
