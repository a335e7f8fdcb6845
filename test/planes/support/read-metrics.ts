// Reads a server's GET /metrics (Prometheus text) as a scraper would, for tests that count what the
// plane sessions sent and received.

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Metrics {
  readonly samples: readonly MetricSample[];
  /** The sum of a series' samples whose labels include `labels` (0 when there is none). */
  sum(name: string, labels?: Record<string, string>): number;
}

const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Metrics {
  const samples: MetricSample[] = [];
  for (const raw of text.split("\n")) {
    const m = line.exec(raw.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(label)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return {
    samples,
    sum: (name, wanted = {}) =>
      samples.filter((s) => s.name === name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0),
  };
}

export async function readMetrics(serverUrl: string): Promise<Metrics> {
  const response = await fetch(`${serverUrl}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}
