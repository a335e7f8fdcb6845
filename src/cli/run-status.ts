import type { JsonObject, KindInfo } from "../model/index.js";
import { usageError } from "./cli-error.js";
import type { CommandContext } from "./command-spec.js";
import { bindingSummary, listBindings } from "./component-bindings.js";
import { planeSimulates, readinessOf, readinessText, simulationOf } from "./conditions.js";
import { orderEnvironments } from "./order-environments.js";
import { formatTable } from "./format-table.js";
import { getObject } from "./get-object.js";
import { listAll } from "./list-and-watch.js";
import { notFoundError } from "./not-found-error.js";
import { asObject, objectMeta } from "./object-meta.js";

/**
 * `status [ORGANIZATION]`: the organization (whose namespace has its name) at a glance: its planes and
 * environments, its projects, and every component's readiness in each environment, in promotion order.
 */
export async function runStatus(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  if (args.positionals.length > 1) throw usageError("status takes at most one ORGANIZATION", "status");
  const { registry } = await ctx.model();
  const organization = args.positionals[0] ?? (await ctx.target()).namespace;
  const kind = (name: string): KindInfo => registry.resolve(name)!;
  const org = await getObject(ctx, kind("Organization"), "", organization);
  if (!org) throw notFoundError([{ kind: kind("Organization"), namespace: "", name: organization }]);

  const api = await ctx.api();
  const list = async (name: string) => (await listAll(api, { kind: kind(name), namespace: organization }, io.signal)).items;
  const [projects, components, environments, pipelines, dataPlanes, buildPlanes] = await Promise.all(
    ["Project", "Component", "Environment", "DeploymentPipeline", "DataPlane", "BuildPlane"].map(list),
  ) as [JsonObject[], JsonObject[], JsonObject[], JsonObject[], JsonObject[], JsonObject[]];
  const types = new Set(components.map((c) => String(asObject(c.spec).type ?? "")));
  const bindings = await listBindings(api, registry, { namespace: organization, componentTypes: types, signal: io.signal });
  const order = orderEnvironments(environments.map((e) => objectMeta(e).name), pipelines);

  const out: string[] = [];
  out.push(`Organization ${organization}: ${readinessText(readinessOf(org))}`);
  out.push(`Planes:        ${[...dataPlanes.map((p) => `DataPlane ${named(p)}`), ...buildPlanes.map((p) => `BuildPlane ${named(p)}`)].join(", ") || "<none>"}`);
  const simulating = [...dataPlanes.map((p) => ["DataPlane", p] as const), ...buildPlanes.map((p) => ["BuildPlane", p] as const)].filter(([, p]) => planeSimulates(p));
  if (simulating.length > 0) {
    out.push(`Simulated:     ${simulating.map(([k, p]) => `${k} ${objectMeta(p).name}`).join(", ")} (nothing runs there: workloads and builds are reported as if they had; SIMULATED says what rests on them)`);
  }
  const byName = new Map(environments.map((e) => [objectMeta(e).name, e]));
  out.push(`Environments:  ${order.map((name) => named(byName.get(name)!)).join(" → ") || "<none>"}`);
  out.push("");

  const componentsOf = (project: string) => components.filter((c) => asObject(asObject(c.spec).owner).projectName === project);
  if (projects.length === 0) out.push("No projects.");
  else {
    const rows = projects.map((p) => [objectMeta(p).name, readinessText(readinessOf(p), "reason"), simulatedCell(p), String(componentsOf(objectMeta(p).name).length)]);
    out.push(...formatTable([["PROJECT", "READY", "SIMULATED", "COMPONENTS"], ...rows]).lines);
  }
  out.push("");

  if (components.length === 0) out.push("No components.");
  else {
    const rows = components.map((c) => {
      const meta = objectMeta(c);
      const mine = bindings.filter((b) => b.component === meta.name);
      return [
        meta.name,
        String(asObject(asObject(c.spec).owner).projectName ?? ""),
        String(asObject(c.spec).type ?? ""),
        readinessText(readinessOf(c), "reason"),
        simulatedCell(c),
        ...order.map((env) => {
          const binding = mine.find((b) => b.environment === env);
          return binding ? bindingSummary(binding) : "-";
        }),
      ];
    });
    out.push(...formatTable([["COMPONENT", "PROJECT", "TYPE", "READY", "SIMULATED", ...order.map((e) => e.toUpperCase())], ...rows]).lines);
  }
  io.stdout.write(out.join("\n") + "\n");
  return 0;
}

const simulatedCell = (object: JsonObject) => (simulationOf(object) ? "True" : "");

/** "name (Ready)" or "name (not Ready: Reason)". */
function named(object: JsonObject): string {
  return `${objectMeta(object).name} (${readinessText(readinessOf(object))})`;
}
