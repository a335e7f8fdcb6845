import type { JsonValue } from "../model/index.js";

type Step =
  | { readonly kind: "field"; readonly name: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "all" }
  | { readonly kind: "filter"; readonly path: readonly string[]; readonly op: "==" | "!="; readonly literal: JsonValue };

/**
 * Evaluates a kubectl JSONPath expression: the subset printer columns and scripts use. `.a.b`,
 * `.labels.openchoreo\.dev/project` (escaped dots), `['a.b']`, `[0]`, `[-1]`, `[*]`, and filters
 * `[?(@.type=='Ready')]` with `==` / `!=` against a string, number or boolean. Surrounding braces
 * (`{.spec}`) are optional. Returns every match; a path that leads nowhere matches nothing.
 */
export function evaluateJsonPath(root: JsonValue | undefined, expression: string): JsonValue[] {
  let current: JsonValue[] = root === undefined ? [] : [root];
  for (const step of parseJsonPath(expression)) {
    current = current.flatMap((value) => applyStep(value, step));
  }
  return current;
}

/** Matches as text: strings as they are, anything else as JSON, several joined by commas. */
export function jsonPathText(root: JsonValue | undefined, expression: string): string {
  return evaluateJsonPath(root, expression)
    .map((v) => (typeof v === "string" ? v : JSON.stringify(v)))
    .join(",");
}

function applyStep(value: JsonValue, step: Step): JsonValue[] {
  switch (step.kind) {
    case "field": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
      const child = value[step.name];
      return child === undefined ? [] : [child];
    }
    case "index": {
      if (!Array.isArray(value)) return [];
      const child = value.at(step.index);
      return child === undefined ? [] : [child];
    }
    case "all":
      if (Array.isArray(value)) return value;
      return value !== null && typeof value === "object" ? Object.values(value) : [];
    case "filter": {
      if (!Array.isArray(value)) return [];
      return value.filter((item) => {
        let probe: JsonValue | undefined = item;
        for (const name of step.path) {
          probe = probe !== null && typeof probe === "object" && !Array.isArray(probe) ? probe[name] : undefined;
        }
        const equal = probe !== undefined && probe === step.literal;
        return step.op === "==" ? equal : probe !== undefined && !equal;
      });
    }
  }
}

function parseJsonPath(expression: string): Step[] {
  let text = expression.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1).trim();
  if (text.startsWith("$")) text = text.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`JSONPath ${JSON.stringify(expression)}: ${why} at ${i}`);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === ".") {
      i++;
      if (text[i] === "." ) fail("recursive descent (..) is not supported");
      let name = "";
      while (i < text.length && text[i] !== "." && text[i] !== "[") {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        name += text[i++];
      }
      if (name === "*") steps.push({ kind: "all" });
      else if (name) steps.push({ kind: "field", name });
    } else if (c === "[") {
      const end = text.indexOf("]", i);
      if (end < 0) fail("unclosed [");
      const inner = text.slice(i + 1, end).trim();
      i = end + 1;
      steps.push(bracketStep(inner, fail));
    } else {
      fail(`unexpected ${JSON.stringify(c)}`);
    }
  }
  return steps;
}

function bracketStep(inner: string, fail: (why: string) => never): Step {
  if (inner === "*") return { kind: "all" };
  if (/^-?\d+$/.test(inner)) return { kind: "index", index: Number(inner) };
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(inner);
  if (quoted) return { kind: "field", name: quoted[1] ?? quoted[2]! };
  const filter = /^\?\(\s*@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(.+?)\s*\)$/.exec(inner);
  if (!filter) return fail(`unsupported selector [${inner}]`);
  return { kind: "filter", path: filter[1]!.slice(1).split("."), op: filter[2] as "==" | "!=", literal: literalOf(filter[3]!, fail) };
}

function literalOf(text: string, fail: (why: string) => never): JsonValue {
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(text);
  if (quoted) return quoted[1] ?? quoted[2]!;
  if (text === "true" || text === "false") return text === "true";
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return fail(`unsupported literal ${text}`);
}

/**
 * A kubectl `-o jsonpath=` template: text with `{expression}` parts, each replaced by its matches
 * joined by spaces. `{"\n"}` style literals are not supported; the template's own text is kept.
 */
export function renderJsonPathTemplate(root: JsonValue, template: string): string {
  return template.replace(/\{([^}]*)\}/g, (_, expression: string) =>
    evaluateJsonPath(root, expression)
      .map((v) => (typeof v === "string" ? v : JSON.stringify(v)))
      .join(" "),
  );
}
