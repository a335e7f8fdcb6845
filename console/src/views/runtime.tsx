import { useState } from "preact/hooks";
import type { ComponentLogLine, ResourceTreeNode } from "../../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { api } from "../api.js";
import { useServerStream } from "../stream.js";
import { ErrorNote, Section, Table } from "../ui.js";

/**
 * What runs for the component in one environment, as the plane's agent reports it: the object tree
 * (WatchResourceTree, live) and, on request, the containers' logs followed (StreamComponentLogs).
 * Each is one more stream, so logs open only when asked for.
 */
export function Runtime({ org, component, environments }: { org: string; component: string; environments: readonly string[] }) {
  const [chosen, setChosen] = useState<string>();
  const env = chosen && environments.includes(chosen) ? chosen : environments[0];
  const [following, setFollowing] = useState(false);
  if (!env) return null;
  return (
    <Section
      title="Runtime"
      actions={
        <label class="inline-label">
          Environment{" "}
          <select value={env} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            {environments.map((e) => (
              <option key={e}>{e}</option>
            ))}
          </select>
        </label>
      }
    >
      <ResourceTree org={org} component={component} env={env} />
      <button type="button" aria-pressed={following} onClick={() => setFollowing(!following)}>
        {following ? "Stop following logs" : "Follow logs"}
      </button>
      {following && <ComponentLogs org={org} component={component} env={env} />}
    </Section>
  );
}

function ResourceTree({ org, component, env }: { org: string; component: string; env: string }) {
  const [nodes, setNodes] = useState<ResourceTreeNode[]>([]);
  const error = useServerStream(
    (signal) => {
      setNodes([]);
      return api.components.watchResourceTree({ namespace: org, name: component, environment: env }, { signal });
    },
    (r) => setNodes(r.nodes),
    [org, component, env],
  );

  // Children under their parents, depth first, as kubectl tree tools show it.
  const byUid = new Map(nodes.map((n) => [n.uid, n]));
  const roots = nodes.filter((n) => !n.parentUids.some((p) => byUid.has(p)));
  const ordered: { node: ResourceTreeNode; depth: number }[] = [];
  const visit = (n: ResourceTreeNode, depth: number) => {
    if (ordered.some((o) => o.node.uid === n.uid)) return;
    ordered.push({ node: n, depth });
    for (const child of nodes.filter((c) => c.parentUids.includes(n.uid))) visit(child, depth + 1);
  };
  for (const r of roots) visit(r, 0);

  return (
    <>
      <ErrorNote error={error} />
      <Table columns={["Object", "Health", "Detail"]} label={`Objects in ${env}`}>
        {ordered.map(({ node, depth }) => (
          <tr key={node.uid || `${node.kind}/${node.name}`} data-testid={`tree-${node.kind}`}>
            <th scope="row" class={`depth-${Math.min(depth, 4)}`}>
              {node.kind} {node.name}
            </th>
            <td>
              <span class={`badge badge-${node.health === "Healthy" ? "ok" : node.health === "Degraded" ? "bad" : "unknown"}`}>{node.health || "Unknown"}</span>
              {node.simulated && <span class="badge badge-sim">Simulated</span>}
            </td>
            <td class="small">
              {node.pod ? `${node.pod.phase}, ${node.pod.readyContainers}/${node.pod.totalContainers} ready, ${node.pod.restarts} restarts` : node.healthMessage}
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}

function ComponentLogs({ org, component, env }: { org: string; component: string; env: string }) {
  const [lines, setLines] = useState<ComponentLogLine[]>([]);
  const error = useServerStream(
    (signal) => {
      setLines([]);
      return api.components.streamComponentLogs({ namespace: org, name: component, environment: env, follow: true, tailLines: 200 }, { signal });
    },
    // Bounded: the page keeps the last 1000 lines.
    (r) => setLines((prev) => [...prev, ...r.lines].slice(-1000)),
    [org, component, env],
  );
  return (
    <>
      <ErrorNote error={error} />
      <pre class="log" tabIndex={0} aria-label={`Logs of ${component} in ${env}`} data-testid="component-logs">
        {lines.map((l, i) => (
          <span key={i}>
            {l.pod}/{l.container} {l.text}
            {"\n"}
          </span>
        ))}
      </pre>
    </>
  );
}
