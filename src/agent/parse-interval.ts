const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Go-style duration ("5m", "10s", "1h30m", "500ms") in milliseconds, or undefined. The CLI has the
 * same parser, but the agent may import only the contract and the model.
 */
export function parseInterval(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit!]!, 0);
}
