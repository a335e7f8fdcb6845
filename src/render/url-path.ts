/**
 * Joins URL path parts into "" (the root) or "/a/b": one leading slash, no trailing slash, no
 * empty segments, whatever slashes the parts carry.
 */
export function urlPath(...parts: readonly string[]): string {
  const segments = parts.flatMap((part) => part.split("/")).filter((s) => s !== "");
  return segments.length === 0 ? "" : `/${segments.join("/")}`;
}
