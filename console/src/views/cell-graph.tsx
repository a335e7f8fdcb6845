import type { JsonObject } from "@bufbuild/protobuf";
import { condition, field } from "../objects.js";
import { href } from "../route.js";

export interface CellComponent {
  readonly name: string;
  readonly type: string;
  /** Its binding in the environment drawn, when it has one. */
  readonly binding: JsonObject | undefined;
}

interface Endpoint {
  readonly name: string;
  readonly visibility: "Public" | "Organization" | "Project";
}
interface Connection {
  readonly from: string;
  readonly to: string;
  readonly external: boolean;
}

const visibilityOf = (e: JsonObject): Endpoint["visibility"] => (e.public ? "Public" : e.organization ? "Organization" : "Project");

/** Endpoints by their widest visibility, from the binding's status (what the cell serves). */
function endpointsOf(binding: JsonObject | undefined): Endpoint[] {
  const list = field(binding, "status.endpoints");
  return Array.isArray(list) ? (list as JsonObject[]).map((e) => ({ name: String(e.name ?? ""), visibility: visibilityOf(e) })) : [];
}

function connectionsOf(c: CellComponent, project: string): Connection[] {
  const map = field(c.binding, "spec.workloadSpec.connections");
  if (!map || typeof map !== "object" || Array.isArray(map)) return [];
  return Object.values(map as JsonObject).map((conn) => {
    const params = (field(conn as JsonObject, "params") ?? {}) as JsonObject;
    const targetProject = String(params.projectName ?? project);
    return { from: c.name, to: String(params.componentName ?? ""), external: targetProject !== project };
  });
}

const nodeWidth = 200;
const headerHeight = 40;
const rowHeight = 22;
const columnGap = 90;
const rowGap = 24;
const gatewayWidth = 150;

/**
 * A project's cell in one environment: its components (columns by who calls whom, callers first),
 * each with its endpoints marked by visibility, the gateways reaching public and organization
 * endpoints, and the connections between components. The layout is computed here: a longest-path
 * layering, enough for the handful of components a cell holds.
 */
export function CellGraph({ org, project, environment, components }: { org: string; project: string; environment: string; components: readonly CellComponent[] }) {
  const connections = components.flatMap((c) => connectionsOf(c, project));
  const names = new Set(components.map((c) => c.name));
  const layer = new Map<string, number>(components.map((c) => [c.name, 0]));
  // Longest path from the callers: each callee sits right of every caller (bounded against cycles).
  for (let i = 0; i < components.length; i++) {
    for (const k of connections) if (names.has(k.to) && !k.external) layer.set(k.to, Math.max(layer.get(k.to)!, layer.get(k.from)! + 1));
  }
  const columns: CellComponent[][] = [];
  for (const c of [...components].sort((a, b) => a.name.localeCompare(b.name))) (columns[Math.min(layer.get(c.name)!, components.length)] ??= []).push(c);

  const position = new Map<string, { x: number; y: number; h: number; endpoints: Endpoint[] }>();
  let height = 120;
  columns.filter(Boolean).forEach((column, ci) => {
    let y = 20;
    for (const c of column) {
      const endpoints = endpointsOf(c.binding);
      const h = headerHeight + Math.max(endpoints.length, 1) * rowHeight + 8;
      position.set(c.name, { x: gatewayWidth + columnGap + ci * (nodeWidth + columnGap), y, h, endpoints });
      y += h + rowGap;
    }
    height = Math.max(height, y);
  });
  const width = gatewayWidth + columnGap + columns.filter(Boolean).length * (nodeWidth + columnGap);
  const gateways = [
    { id: "Public", label: "Internet", sub: "public gateway", y: 20 },
    { id: "Organization", label: "Organization", sub: "internal gateway", y: 90 },
  ];
  const ingress = components.flatMap((c) => {
    const p = position.get(c.name)!;
    return p.endpoints.flatMap((e, i) => (e.visibility === "Project" ? [] : [{ gateway: e.visibility, x: p.x, y: p.y + headerHeight + i * rowHeight + rowHeight / 2, key: `${c.name}/${e.name}` }]));
  });
  const summary = components
    .map((c) => {
      const eps = position.get(c.name)!.endpoints.map((e) => `${e.name} (${e.visibility})`).join(", ");
      return `${c.name}: ${eps || "no endpoints"}`;
    })
    .concat(connections.map((k) => `${k.from} calls ${k.to}${k.external ? " in another project" : ""}`))
    .join("; ");

  return (
    <svg class="cell" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`cell-title-${environment}`} aria-describedby={`cell-desc-${environment}`} data-testid={`cell-${environment}`}>
      <title id={`cell-title-${environment}`}>
        Cell of project {project} in {environment}
      </title>
      <desc id={`cell-desc-${environment}`}>{summary}</desc>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
        </marker>
      </defs>
      {gateways.map((g) => (
        <g key={g.id} class={`gateway gateway-${g.id.toLowerCase()}`}>
          <rect x={0} y={g.y} width={gatewayWidth} height={44} rx={6} />
          <text x={gatewayWidth / 2} y={g.y + 19} text-anchor="middle">
            {g.label}
          </text>
          <text x={gatewayWidth / 2} y={g.y + 34} text-anchor="middle" class="node-sub">
            {g.sub}
          </text>
        </g>
      ))}
      {ingress.map((e) => {
        const g = gateways.find((x) => x.id === e.gateway)!;
        return <path key={e.key} class={`edge edge-${e.gateway.toLowerCase()}`} d={curve(gatewayWidth, g.y + 22, e.x, e.y)} marker-end="url(#arrow)" />;
      })}
      {connections.map((k, i) => {
        const a = position.get(k.from);
        const b = position.get(k.to);
        if (!a) return null;
        if (!b || k.external) {
          return (
            <text key={i} class="external" x={a.x + nodeWidth + 6} y={a.y + 20}>
              → {k.to}
            </text>
          );
        }
        return <path key={i} class="edge edge-connection" d={curve(a.x + nodeWidth, a.y + headerHeight / 2, b.x, b.y + headerHeight / 2)} marker-end="url(#arrow)" />;
      })}
      {components.map((c) => {
        const p = position.get(c.name)!;
        const ready = c.binding ? readyOf(c.binding) : "none";
        return (
          <a key={c.name} href={href.component(org, c.name)} class={`node node-${ready}`} aria-label={`${c.name}, ${c.type}, ${ready === "ok" ? "ready" : ready === "none" ? "not deployed" : "not ready"}`}>
            <rect x={p.x} y={p.y} width={nodeWidth} height={p.h} rx={8} />
            <text x={p.x + 12} y={p.y + 18} class="node-title">
              {c.name}
            </text>
            <text x={p.x + 12} y={p.y + 33} class="node-sub">
              {c.type}
              {c.binding ? "" : " · not deployed here"}
            </text>
            {p.endpoints.length === 0 && (
              <text x={p.x + 12} y={p.y + headerHeight + 15} class="node-sub">
                no endpoints
              </text>
            )}
            {p.endpoints.map((e, i) => (
              <g key={e.name}>
                <rect x={p.x + 8} y={p.y + headerHeight + i * rowHeight + 2} width={nodeWidth - 16} height={rowHeight - 4} rx={4} class={`endpoint endpoint-${e.visibility.toLowerCase()}`} />
                <text x={p.x + 14} y={p.y + headerHeight + i * rowHeight + 15} class="endpoint-text">
                  {e.name} · {e.visibility}
                </text>
              </g>
            ))}
          </a>
        );
      })}
    </svg>
  );
}

const readyOf = (binding: JsonObject): "ok" | "bad" => (condition(binding, "Ready")?.status === "True" ? "ok" : "bad");

function curve(x1: number, y1: number, x2: number, y2: number): string {
  const dx = Math.max(30, (x2 - x1) / 2);
  return `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`;
}
