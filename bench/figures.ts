// The figures `npm run bench` reports against the targets of issue #20: each printed with its ratio
// to the target, and written machine-readable with `--json`.
export interface Target {
  readonly value: number;
  /** "max": the figure must stay at or under the target; "min": at or above it. */
  readonly kind: "max" | "min";
}

export interface Figure {
  readonly benchmark: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: Target;
  /** value / target: at most 1 meets a "max" target, at least 1 meets a "min" one (none for a target of 0). */
  readonly ratio?: number;
  readonly met?: boolean;
}

export function figure(benchmark: string, name: string, value: number, unit: string, target?: Target): Figure {
  if (!target) return { benchmark, name, value, unit };
  // A target of zero (agent reconnects) has no ratio: any occurrence misses it.
  if (target.value === 0) return { benchmark, name, value, unit, target, met: target.kind === "max" ? value <= 0 : value >= 0 };
  const ratio = value / target.value;
  return { benchmark, name, value, unit, target, ratio, met: target.kind === "max" ? ratio <= 1 : ratio >= 1 };
}

const round = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

export function describeFigure(f: Figure): string {
  const measured = `${f.name}: ${round(f.value)} ${f.unit}`;
  if (!f.target) return measured;
  const bound = f.target.kind === "max" ? "≤" : "≥";
  const ratio = f.ratio === undefined ? "" : `; ratio ${f.ratio.toFixed(2)}`;
  return `${measured} (target ${bound} ${round(f.target.value)} ${f.unit}${ratio}, ${f.met ? "met" : "MISSED"})`;
}
