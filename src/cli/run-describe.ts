import { timestampMs } from "@bufbuild/protobuf/wkt";
import { stringify } from "yaml";
import type { Event } from "../../gen/openchoreo/model/v1alpha1/event_pb.js";
import type { JsonObject } from "../model/index.js";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { bindingSummary, listBindings } from "./component-bindings.js";
import { componentPods } from "./component-pods.js";
import { conditionsOf, simulationOf } from "./conditions.js";
import { orderEnvironments } from "./order-environments.js";
import { formatAge } from "./format-age.js";
import { formatTable } from "./format-table.js";
import { getObject } from "./get-object.js";
import { notFoundError } from "./not-found-error.js";
import { asObject, objectMeta } from "./object-meta.js";
import { parseObjectArgs } from "./parse-object-args.js";

/**
 * `describe KIND NAME`: what a person needs to understand an object: its metadata, spec and status,
 * conditions, related objects (a Component's bindings per environment) and the events about it.
 */
export async function runDescribe(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const { registry } = await ctx.model();
  const { kind, names } = parseObjectArgs(registry, args.positionals, "describe");
  if (names.length !== 1) throw usageError("describe needs exactly one KIND and NAME", "describe");
  const name = names[0]!;
  const { namespace } = await ctx.target();
  const object = await getObject(ctx, kind, namespace, name);
  if (!object) throw notFoundError([{ kind, namespace, name }]);
  const api = await ctx.api();
  const now = io.now();
  const meta = objectMeta(object);

  const out: string[] = [];
  // A label of "" continues the field above (one line per label or annotation).
  const field = (label: string, value: string) => out.push(`${(label ? `${label}:` : "").padEnd(14)}${value}`);
  field("Name", meta.name);
  if (kind.namespaced) field("Namespace", meta.namespace);
  field("Kind", `${kind.kind} (${kind.apiVersion})`);
  mapLines(meta.labels).forEach((line, i) => field(i === 0 ? "Labels" : "", line));
  mapLines(meta.annotations).forEach((line, i) => field(i === 0 ? "Annotations" : "", line));
  if (meta.creationTimestamp) field("Created", `${meta.creationTimestamp} (${age(now, meta.creationTimestamp)} ago)`);
  if (meta.deletionTimestamp) field("Deleting", `since ${meta.deletionTimestamp}, waiting for finalizers`);
  if (meta.generation !== undefined) field("Generation", String(meta.generation));
  const owners = asObject(object.metadata).ownerReferences;
  if (Array.isArray(owners) && owners.length > 0) {
    field("Owned by", owners.map((o) => `${String(asObject(o).kind)}/${String(asObject(o).name)}`).join(", "));
  }
  const simulated = simulationOf(object);
  if (simulated) field("Simulated", simulated);
  out.push(...block("Spec", object.spec));
  const { conditions: _conditions, ...status } = asObject(object.status);
  out.push(...block("Status", status));
  out.push(...table("Conditions", conditionRows(object, now)));
  if (kind.kind === "Component") out.push(...(await bindingSection(ctx, object, namespace)));
  const { events } = await api.resources.listEvents({ kind: kind.kind, apiVersion: kind.apiVersion, namespace, name }, { signal: io.signal });
  out.push(...table("Events", eventRows(events, now)));
  io.stdout.write(out.join("\n") + "\n");
  return 0;
}

/** A Component's bindings, one per environment, in promotion order, and its pods in each (through the agents). */
async function bindingSection(ctx: CommandContext, component: JsonObject, namespace: string): Promise<string[]> {
  const { registry } = await ctx.model();
  const api = await ctx.api();
  const spec = asObject(component.spec);
  const type = typeof spec.type === "string" ? spec.type : "";
  const bindings = await listBindings(api, registry, { namespace, componentTypes: [type], component: objectMeta(component).name, signal: ctx.io.signal });
  const project = asObject(spec.owner).projectName;
  const pipelineName = typeof project === "string" ? await pipelineOf(ctx, namespace, project) : undefined;
  const pipeline = pipelineName ? await getObject(ctx, registry.resolve("DeploymentPipeline")!, namespace, pipelineName) : undefined;
  const order = orderEnvironments(bindings.map((b) => b.environment), pipeline ? [pipeline] : []);
  bindings.sort((a, b) => order.indexOf(a.environment) - order.indexOf(b.environment));
  const deployed = bindings.filter((b) => b.state !== "Undeploy").map((b) => b.environment);
  const pods = await componentPods(api, { namespace, name: objectMeta(component).name }, deployed, ctx.io.signal);
  return [
    ...table(
      "Bindings",
      bindings.map((b) => ({ ENVIRONMENT: b.environment, KIND: b.kind.kind, NAME: b.name, STATE: b.state, READY: bindingSummary(b), URL: b.urls.join(" ") })),
    ),
    ...table("Pods", pods),
  ];
}

async function pipelineOf(ctx: CommandContext, namespace: string, projectName: string): Promise<string | undefined> {
  const { registry } = await ctx.model();
  const project = await getObject(ctx, registry.resolve("Project")!, namespace, projectName);
  const ref = asObject(project?.spec).deploymentPipelineRef;
  return typeof ref === "string" ? ref : undefined;
}

function conditionRows(object: JsonObject, now: number): Record<string, string>[] {
  return conditionsOf(object).map((c) => ({
    TYPE: c.type,
    STATUS: c.status,
    REASON: c.reason,
    AGE: c.lastTransitionTime ? age(now, c.lastTransitionTime) : "",
    MESSAGE: c.message,
  }));
}

function eventRows(events: readonly Event[], now: number): Record<string, string>[] {
  return events.map((e) => {
    const last = e.status?.lastTimestamp ? formatAge(now - timestampMs(e.status.lastTimestamp)) : "";
    const first = e.status?.firstTimestamp ? formatAge(now - timestampMs(e.status.firstTimestamp)) : "";
    const count = e.status?.count ?? 1;
    return {
      TYPE: e.spec?.type ?? "",
      REASON: e.spec?.reason ?? "",
      // kubectl's way of folding repeats: "5s (x3 over 2m)".
      AGE: count > 1 ? `${last} (x${count} over ${first})` : last,
      FROM: e.spec?.source ?? "",
      MESSAGE: e.spec?.message ?? "",
    };
  });
}

/** A titled table, or "Title: <none>" when it has no rows. */
function table(title: string, rows: readonly Record<string, string>[]): string[] {
  if (rows.length === 0) return [`${`${title}:`.padEnd(14)}<none>`];
  const header = Object.keys(rows[0]!);
  return [`${title}:`, ...formatTable([header, ...rows.map((r) => header.map((h) => r[h] ?? ""))]).lines.map((l) => `  ${l}`)];
}

/** A titled YAML block, indented, or "Title: <none>" when empty. */
function block(title: string, value: JsonObject[string] | undefined): string[] {
  if (value === undefined || value === null || (typeof value === "object" && Object.keys(value).length === 0)) {
    return [`${`${title}:`.padEnd(14)}<none>`];
  }
  return [`${title}:`, ...stringify(value, { lineWidth: 0 }).trimEnd().split("\n").map((l) => `  ${l}`)];
}

function mapLines(map: Readonly<Record<string, string>>): string[] {
  const entries = Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? ["<none>"] : entries.map(([k, v]) => `${k}=${v}`);
}

function age(now: number, timestamp: string): string {
  return formatAge(now - Date.parse(timestamp));
}

