/**
 * A boolean query parameter as kube-apiserver reads one: absent, "0" or "false" in any case is false;
 * anything else ("true", "True", "1", even an empty value) is true. The Python client sends `watch=True`.
 */
export function booleanParameter(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  return value !== "0" && value.toLowerCase() !== "false";
}
