// Summarises a V8 heap snapshot (`node --heapsnapshot-signal`, `v8.writeHeapSnapshot`, bench/memory.ts
// --heap-snapshot): bytes by node type, by constructor, and the largest holders by retained size (from
// the dominator tree, weak edges ignored) with the path that holds each, so that "who holds the memory"
// has an answer without a browser.
// `tsx bench/heap-summary.ts FILE [--top N]` (a large snapshot wants `NODE_OPTIONS=--max-old-space-size=6144`).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function summariseHeap(file: string, top = 40): string {
  const s = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const meta = s.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ["type", "name", "self_size", "edge_count"].map((f) => meta.node_fields.indexOf(f));
  const [edgeTypeAt, edgeNameAt, toAt] = ["type", "name_or_index", "to_node"].map((f) => meta.edge_fields.indexOf(f));
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf("weak");
  const shortcut = edgeTypes.indexOf("shortcut");
  const count = s.nodes.length / nf;
  const firstEdge = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) firstEdge[i + 1] = firstEdge[i]! + s.nodes[i * nf + edgeCountAt!]! * ef;
  const selfSize = (i: number) => s.nodes[i * nf + sizeAt!]!;
  const typeOf = (i: number) => nodeTypes[s.nodes[i * nf + typeAt!]!]!;
  const nameOf = (i: number) => s.strings[s.nodes[i * nf + nameAt!]!]!;
  // A concatenated string's text, from its parts (the snapshot names it only "(concatenated string)").
  const textOf = (i: number, depth = 0): string => {
    if (typeOf(i) !== "concatenated string" || depth > 20) return nameOf(i);
    let text = "";
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += ef) {
      const part = s.strings[s.edges[e + edgeNameAt!]!];
      if (part === "first" || part === "second") text += textOf(s.edges[e + toAt!]! / nf, depth + 1);
    }
    return text;
  };
  const edgeName = (e: number) => {
    const type = edgeTypes[s.edges[e + edgeTypeAt!]!]!;
    const value = s.edges[e + edgeNameAt!]!;
    return type === "element" || type === "hidden" ? `[${value}]` : s.strings[value]!;
  };
  const holds = (e: number) => {
    const type = s.edges[e + edgeTypeAt!]!;
    return type !== weak && type !== shortcut;
  };

  // Depth-first from the root (node 0) for a postorder, then Cooper, Harvey and Kennedy's iterative dominators.
  const order = new Int32Array(count).fill(-1); // postorder number
  const postorder = new Int32Array(count);
  let visited = 0;
  {
    const stack = new Int32Array(count);
    const cursor = new Int32Array(count);
    const seen = new Uint8Array(count);
    let top = 0;
    stack[top++] = 0;
    seen[0] = 1;
    cursor[0] = firstEdge[0]!;
    while (top > 0) {
      const node = stack[top - 1]!;
      const e = cursor[node]!;
      if (e < firstEdge[node + 1]!) {
        cursor[node] = e + ef;
        if (!holds(e)) continue;
        const to = s.edges[e + toAt!]! / nf;
        if (!seen[to]) {
          seen[to] = 1;
          cursor[to] = firstEdge[to]!;
          stack[top++] = to;
        }
      } else {
        top--;
        order[node] = visited;
        postorder[visited++] = node;
      }
    }
  }
  // Predecessors of each reached node.
  const predCount = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) {
    if (order[i]! < 0) continue;
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += ef) if (holds(e)) predCount[s.edges[e + toAt!]! / nf + 1]!++;
  }
  for (let i = 0; i < count; i++) predCount[i + 1]! += predCount[i]!;
  const preds = new Int32Array(predCount[count]!);
  const fill = predCount.slice(0, count);
  for (let i = 0; i < count; i++) {
    if (order[i]! < 0) continue;
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += ef) if (holds(e)) preds[fill[s.edges[e + toAt!]! / nf]!++] = i;
  }
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = visited - 2; k >= 0; k--) {
      const node = postorder[k]!;
      let dom = -1;
      for (let p = predCount[node]!; p < predCount[node + 1]!; p++) {
        const pred = preds[p]!;
        if (idom[pred]! < 0) continue;
        dom = dom < 0 ? pred : intersect(pred, dom);
      }
      if (dom >= 0 && idom[node] !== dom) {
        idom[node] = dom;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(count);
  for (let k = 0; k < visited; k++) {
    const node = postorder[k]!;
    retained[node]! += selfSize(node);
    if (node !== 0) retained[idom[node]!]! += retained[node]!;
  }

  const out: string[] = [];
  out.push(`${file}: ${count} nodes, reachable ${mib(retained[0]!)}`);
  const byType = new Map<string, [number, number]>();
  const byName = new Map<string, [number, number]>();
  const strings = new Map<string, [number, number]>();
  for (let i = 0; i < count; i++) {
    if (order[i]! < 0) continue;
    const type = typeOf(i);
    const t = byType.get(type) ?? [0, 0];
    t[0]++;
    t[1] += selfSize(i);
    byType.set(type, t);
    const key = type === "object" || type === "closure" || type === "native" || type === "hidden" ? `${type} ${nameOf(i)}` : type === "array" ? `array ${nameOf(i)}` : type;
    const c = byName.get(key) ?? [0, 0];
    c[0]++;
    c[1] += selfSize(i);
    byName.set(key, c);
    if (type === "string" || type === "concatenated string" || type === "sliced string") {
      const name = nameOf(i);
      const d = strings.get(name) ?? [0, 0];
      d[0]++;
      d[1] += selfSize(i);
      strings.set(name, d);
    }
  }
  const table = (title: string, rows: Map<string, [number, number]>, n: number) => {
    out.push(`\n${title}`);
    for (const [name, [c, size]] of [...rows].sort((a, b) => b[1][1] - a[1][1]).slice(0, n)) out.push(`  ${mib(size).padStart(10)}  ${String(c).padStart(8)}  ${name.slice(0, 100)}`);
  };
  table("Self size by node type (bytes, count):", byType, 20);
  table("Self size by constructor (bytes, count):", byName, top);
  // Protobuf messages by type: a resource kind counted more often than there are objects of it is held in copies.
  const messages = new Map<string, [number, number]>();
  for (let i = 0; i < count; i++) {
    if (order[i]! < 0 || typeOf(i) !== "object") continue;
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += ef) {
      if (edgeName(e) !== "$typeName") continue;
      const name = textOf(s.edges[e + toAt!]! / nf);
      const m = messages.get(name) ?? [0, 0];
      m[0]++;
      m[1] += retained[i]!;
      messages.set(name, m);
      break;
    }
  }
  table("Protobuf messages by type (retained bytes of each, summed; count):", messages, top);
  const duplicated = [...strings].filter(([, [c]]) => c > 1);
  const wasted = duplicated.reduce((sum, [, [c, size]]) => sum + size - size / c, 0);
  out.push(`\nStrings held more than once: ${duplicated.length} distinct values, ${mib(wasted)} in the extra copies; the largest:`);
  for (const [name, [c, size]] of duplicated.sort((a, b) => b[1][1] - b[1][1] / b[1][0] - (a[1][1] - a[1][1] / a[1][0])).slice(0, 15)) {
    out.push(`  ${mib(size).padStart(10)}  ${String(c).padStart(8)}  ${JSON.stringify(name.slice(0, 80))}`);
  }

  // What no single holder keeps (two caches share it): dominated only by a GC root, by type.
  const typeNameOf = (i: number) => {
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += ef) if (edgeName(e) === "$typeName") return textOf(s.edges[e + toAt!]! / nf);
    return `${typeOf(i)} ${nameOf(i).slice(0, 60)}`;
  };
  const sharedByType = new Map<string, [number, number]>();
  for (let k = 0; k < visited; k++) {
    const i = postorder[k]!;
    if (i === 0 || typeOf(idom[i]!) !== "synthetic" || retained[i]! < 256) continue;
    const name = typeNameOf(i);
    const m = sharedByType.get(name) ?? [0, 0];
    m[0]++;
    m[1] += retained[i]!;
    sharedByType.set(name, m);
  }
  table("Held by more than one holder (dominated only by a GC root), by type (retained, count):", sharedByType, 25);

  // The path that holds a node: each step the edge from its immediate dominator (or from any holder).
  const edgeTo = (from: number, to: number) => {
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += ef) if (s.edges[e + toAt!]! / nf === to) return edgeName(e);
    return "…";
  };
  const children = (i: number) => {
    const found: Array<[string, number]> = [];
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += ef) found.push([edgeName(e), s.edges[e + toAt!]! / nf]);
    return found;
  };
  // A closure's context names the function (a `createX` factory's variables live in it).
  const contextOwner = (i: number) => {
    for (let p = predCount[i]!; p < predCount[i + 1]!; p++) if (typeOf(preds[p]!) === "closure") return nameOf(preds[p]!) || "(anonymous)";
    return "?";
  };
  // A Map's size, and what it holds: the $typeName of a protobuf message value, else a key.
  const mapContents = (i: number) => {
    const table = children(i).find(([name]) => name === "table")?.[1];
    if (table === undefined) return "";
    let entries = 0;
    let key = "";
    let value = "";
    for (const [, child] of children(table)) {
      const type = typeOf(child);
      if (type === "string" || type === "concatenated string") {
        entries++;
        key ||= JSON.stringify(nameOf(child).slice(0, 50));
      }
      const typeName = type === "object" ? children(child).find(([name]) => name === "$typeName")?.[1] : undefined;
      if (!value && typeName !== undefined) value = nameOf(typeName);
    }
    return ` [~${entries} string keys/values, e.g. ${key}${value ? ` → ${value}` : ""}]`;
  };
  const label = (i: number) => {
    const name = nameOf(i);
    if (name === "system / Context") return `Context(${contextOwner(i)})`;
    if (name === "Map" || name === "Set") return `${name}${mapContents(i)}`;
    return `${typeOf(i) === "object" || typeOf(i) === "closure" ? "" : `(${typeOf(i)}) `}${name.slice(0, 40)}`;
  };
  const shortLabel = (i: number) => (nameOf(i) === "system / Context" ? `Context(${contextOwner(i)})` : nameOf(i).slice(0, 30));
  const pathOf = (i: number) => {
    const steps: string[] = [];
    for (let node = i, depth = 0; node !== 0 && depth < 6; node = idom[node]!, depth++) {
      const dom = idom[node]!;
      let edge = edgeTo(dom, node);
      let from = dom;
      if (edge === "…" && predCount[node + 1]! > predCount[node]!) {
        from = preds[predCount[node]!]!;
        edge = `${edgeTo(from, node)}(via ${shortLabel(from)})`;
      }
      steps.push(`${shortLabel(dom)}.${edge}`);
    }
    return steps.reverse().join(" → ");
  };
  out.push(`\nLargest holders by retained size (a holder inside a larger one is listed when it keeps at least half of it):`);
  const candidates = [...postorder.subarray(0, visited)].filter((i) => i !== 0 && retained[i]! >= 128 * 1024).sort((a, b) => retained[b]! - retained[a]!);
  let listed = 0;
  for (const i of candidates) {
    if (listed >= top) break;
    const parent = idom[i]!;
    // Skip wrappers that retain almost what their only child retains, and the synthetic roots.
    if (typeOf(i) === "synthetic") continue;
    // Collections (what a cache or an index is made of) always; other objects when they hold most of their holder.
    const collection = nameOf(i) === "Map" || nameOf(i) === "Set" || nameOf(i) === "WeakMap";
    if (!collection && parent !== 0 && retained[i]! < retained[parent]! * 0.5 && retained[i]! < 4 * 1024 * 1024) continue;
    out.push(`  ${mib(retained[i]!).padStart(10)}  ${label(i)}  ←  ${pathOf(i)}`);
    listed++;
  }
  return out.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--top");
  const top = at >= 0 ? Number(args.splice(at, 2)[1]) : 40;
  console.log(summariseHeap(args[0]!, top));
}
