/**
 * A DNS-1123 label of at most `max` characters made of parts joined by "-" and a suffix: the parts are
 * shortened (never the suffix) so the result fits, e.g. a long component name and an 8-hex digest.
 */
export function boundedName(parts: readonly string[], suffix: string, max = 63): string {
  const room = max - suffix.length - 1;
  const head = parts.join("-").slice(0, room).replace(/-+$/, "");
  return `${head}-${suffix}`;
}
