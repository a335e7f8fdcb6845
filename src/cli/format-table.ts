/** Column widths of a table, kept by a watch so later rows line up with the first ones. */
export type ColumnWidths = readonly number[];

/**
 * Left-aligned columns separated by three spaces, as kubectl prints them; the last column is never
 * padded (no trailing blanks). `widths` are minimums, e.g. those of rows printed before.
 */
export function formatTable(rows: readonly (readonly string[])[], widths: ColumnWidths = []): { lines: string[]; widths: ColumnWidths } {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const measured = Array.from({ length: columns }, (_, c) => Math.max(widths[c] ?? 0, ...rows.map((r) => (r[c] ?? "").length)));
  const lines = rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(measured[c]!))).join("   "));
  return { lines, widths: measured };
}
