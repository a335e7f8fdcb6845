import { InvalidSpecError } from "../errors/index.js";
import { labelValueProblem, qualifiedKeyProblem } from "./names.js";

export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!";

/** One comma-separated term of a selector; "==" is read as "=". */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** One value for = and !=, one or more for in and notin, none for exists and !. */
  readonly values: readonly string[];
}

/** A parsed Kubernetes equality- or set-based label selector. Every requirement must hold (AND). */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  /** True for "": it matches every object. */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

/**
 * Parses a label selector as kubectl and the Kubernetes API accept it: "a=b,c==d,e!=f,g in (h,i),
 * j notin (k),l,!m". Keys and values follow the label rules; InvalidSpecError (path "labelSelector")
 * says what is wrong and where.
 */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  const requirements = text === undefined ? [] : new Parser(text).parse();
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels ?? {})),
  };
}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case "exists":
      return has;
    case "!":
      return !has;
    case "=":
    case "in":
      return has && r.values.includes(labels[r.key]!);
    case "!=":
    case "notin":
      // As in Kubernetes: an object without the label satisfies a negative requirement.
      return !has || !r.values.includes(labels[r.key]!);
  }
}

type Token =
  | { kind: "word"; text: string; at: number }
  | { kind: "op"; text: "=" | "==" | "!=" | "!" | "(" | ")" | ","; at: number }
  | { kind: "end"; at: number };

const special = new Set([" ", "\t", "\n", "\r", ",", "(", ")", "=", "!"]);

class Parser {
  private pos = 0;
  private token: Token;

  constructor(private readonly text: string) {
    this.token = this.scan();
  }

  parse(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    if (this.atEnd()) return out;
    for (;;) {
      out.push(this.requirement());
      if (this.atEnd()) return out;
      this.expectOp(",", "',' between requirements");
    }
  }

  private requirement(): LabelRequirement {
    if (this.isOp("!")) {
      this.next();
      return { key: this.key(), operator: "!", values: [] };
    }
    const key = this.key();
    const token = this.token;
    if (token.kind === "end" || (token.kind === "op" && token.text === ",")) {
      return { key, operator: "exists", values: [] };
    }
    if (token.kind === "op" && (token.text === "=" || token.text === "==" || token.text === "!=")) {
      this.next();
      return { key, operator: token.text === "!=" ? "!=" : "=", values: [this.value()] };
    }
    if (token.kind === "word" && (token.text === "in" || token.text === "notin")) {
      this.next();
      return { key, operator: token.text, values: this.valueSet(token.text) };
    }
    return this.fail(`expected =, ==, !=, in or notin after "${key}"`);
  }

  private key(): string {
    return this.word(qualifiedKeyProblem) ?? this.fail("expected a label key");
  }

  /** A value may be empty ("a=" selects objects whose label a is ""). */
  private value(): string {
    return this.word(labelValueProblem) ?? "";
  }

  /** The current word, checked, or undefined when the current token is not a word. */
  private word(problemOf: (text: string) => string): string | undefined {
    const token = this.token;
    if (token.kind !== "word") return undefined;
    const problem = problemOf(token.text);
    if (problem) return this.fail(`"${token.text}": ${problem}`);
    this.next();
    return token.text;
  }

  private valueSet(operator: string): string[] {
    this.expectOp("(", `'(' after ${operator}`);
    const values = [this.value()];
    while (this.isOp(",")) {
      this.next();
      values.push(this.value());
    }
    this.expectOp(")", "')' or ',' in the value set");
    if (values.length === 1 && values[0] === "") return this.fail(`the value set of ${operator} is empty`);
    return values;
  }

  private atEnd(): boolean {
    return this.token.kind === "end";
  }

  private isOp(text: string): boolean {
    return this.token.kind === "op" && this.token.text === text;
  }

  private expectOp(text: string, what: string): void {
    if (!this.isOp(text)) this.fail(`expected ${what}`);
    this.next();
  }

  private next(): void {
    this.token = this.scan();
  }

  private scan(): Token {
    const t = this.text;
    while (this.pos < t.length && /\s/.test(t[this.pos]!)) this.pos++;
    const at = this.pos;
    if (at >= t.length) return { kind: "end", at };
    const c = t[at]!;
    if (c === "=" || c === "!") {
      const two = t.slice(at, at + 2);
      if (two === "==" || two === "!=") {
        this.pos += 2;
        return { kind: "op", text: two, at };
      }
      this.pos++;
      return { kind: "op", text: c, at };
    }
    if (c === "(" || c === ")" || c === ",") {
      this.pos++;
      return { kind: "op", text: c, at };
    }
    while (this.pos < t.length && !special.has(t[this.pos]!)) this.pos++;
    return { kind: "word", text: t.slice(at, this.pos), at };
  }

  private fail(message: string): never {
    const where = this.token.kind === "end" ? "at the end" : `at position ${this.token.at + 1}`;
    throw new InvalidSpecError([{ path: "labelSelector", message: `${message} (${where} of "${this.text}")` }]);
  }
}
