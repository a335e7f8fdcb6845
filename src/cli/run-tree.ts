import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { ResourceTreeNode } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import type { CommandContext } from "./command-spec.js";
import { formatAge } from "./format-age.js";
import { formatTable } from "./format-table.js";
import { componentInEnvironment } from "./run-logs.js";

/** One line per object, children indented under their owner, as `kubectl tree` and Argo CD show it. */
export function formatTree(nodes: readonly ResourceTreeNode[], now: number): string {
  const depth = new Map<string, number>();
  const rows = nodes.map((node) => {
    const parent = node.parentUids.find((u) => depth.has(u));
    const level = parent === undefined ? 0 : depth.get(parent)! + 1;
    depth.set(node.uid, level);
    const pod = node.pod;
    const detail = pod
      ? `${pod.phase} ${pod.readyContainers}/${pod.totalContainers} ready, ${pod.restarts} restarts${pod.lastTerminationReason ? ` (last: ${pod.lastTerminationReason})` : ""}`
      : node.healthMessage;
    const warnings = node.events.filter((e) => e.type === "Warning");
    const lastWarning = warnings.at(-1);
    return [
      `${"  ".repeat(level)}${node.kind}/${node.name}`,
      node.health,
      node.creationTime ? formatAge(now - timestampMs(node.creationTime)) : "",
      node.simulated ? "yes" : "",
      `${detail}${lastWarning ? ` [${lastWarning.reason}: ${lastWarning.message}]` : ""}`,
    ];
  });
  return `${formatTable([["OBJECT", "HEALTH", "AGE", "SIMULATED", "DETAIL"], ...rows]).lines.join("\n")}\n`;
}

/** `tree COMPONENT --env ENV [-w]`: the live objects, through the data plane's agent. */
export async function runTree(ctx: CommandContext): Promise<number> {
  const { args, io } = ctx;
  const { name, environment } = componentInEnvironment(ctx, "tree");
  const { namespace } = await ctx.target();
  const api = await ctx.api();
  if (!args.enabled("watch")) {
    const tree = await api.components.getResourceTree({ namespace, name, environment }, { signal: io.signal });
    io.stdout.write(tree.nodes.length ? formatTree(tree.nodes, io.now()) : `No objects of ${name} in ${environment} yet.\n`);
    return 0;
  }
  try {
    let first = true;
    for await (const tree of api.components.watchResourceTree({ namespace, name, environment }, { signal: io.signal })) {
      if (!first) io.stdout.write("\n");
      first = false;
      io.stdout.write(formatTree(tree.nodes, io.now()));
    }
  } catch (err) {
    if (!io.signal.aborted) throw err;
  }
  return 0;
}
