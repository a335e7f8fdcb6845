// A seeded generator of hostile requests: messages built from the descriptors with the worst values
// each field type allows, YAML bombs for manifests, and byte-level mutations of encoded requests.
import { create, toBinary, type DescField, type DescMessage } from "@bufbuild/protobuf";

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export interface Random {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)]!, chance: (p) => next() < p };
}

/** Names a request may carry: malformed, traversing, huge, or fresh and valid (never an existing object's). */
export function hostileName(rng: Random): string {
  return rng.pick([
    "",
    "../../etc/passwd",
    "..",
    ".",
    "a/../../b",
    "..%2f..%2fetc",
    "/absolute",
    "x".repeat(rng.pick([64, 254, 300, 70_000])),
    "UPPER-case",
    "-leading",
    "trailing-",
    "with space",
    "nul\u0000byte",
    "new\nline",
    "ünïcødé",
    "😀",
    "a.b.c",
    "kube-system",
    "*",
    "%00",
    "${jndi:ldap://x}",
    "'; drop table objects; --",
    `fresh-${rng.int(1_000_000)}`,
  ]);
}

/** YAML that expands, nests or multiplies: for ResourceService.Apply's manifests. */
export function hostileYaml(rng: Random): string {
  switch (rng.int(9)) {
    case 0: {
      // Billion laughs: each alias level multiplies the one before.
      const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(",")}]`);
      return `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: ${`laughs-${rng.int(1000)}`}, namespace: acme}\nspec:\n  ${lines.join("\n  ")}\n`;
    }
    case 1:
      // Many documents.
      return Array.from({ length: rng.pick([2000, 10_000]) }, (_, i) => `apiVersion: openchoreo.dev/v1alpha1\nkind: Organization\nmetadata: {name: ${i % 7 === 0 ? "Bad Name" : `bomb-${rng.int(1e9)}-${i}`}}\n`).join("---\n");
    case 2:
      // Empty documents by the thousand.
      return "---\n".repeat(rng.pick([1000, 100_000]));
    case 3:
      // Deep flow nesting.
      return `apiVersion: openchoreo.dev/v1alpha1\nkind: Organization\nmetadata: {name: deep}\nspec: ${"[".repeat(rng.pick([100, 5000]))}${"]".repeat(rng.pick([0, 100, 5000]))}\n`;
    case 4:
      // Recursive alias (self-reference) and merge keys.
      return `base: &b {x: 1}\nself: &s [*s]\nm: {<<: *b, <<: *b}\n`;
    case 5:
      // Not YAML at all.
      return rng.pick(["{{{{", "\t\tkind: x", "%YAML 9.9\n---\na: b", "!!binary ZZZ", "key: !!python/object:os.system [ls]", "\u0000\u0001\u0002"]);
    case 6:
      // A huge scalar.
      return `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: huge, namespace: acme}\nspec: {description: "${"A".repeat(rng.pick([100_000, 3_000_000]))}"}\n`;
    case 7:
      // Names that traverse or escape, on kinds users and controllers write.
      return `apiVersion: openchoreo.dev/v1alpha1\nkind: ${rng.pick(["Project", "Component", "PlaneCredential", "Release", "ServiceBinding", "Nope", ""])}\nmetadata: {name: ${JSON.stringify(hostileName(rng))}, namespace: ${JSON.stringify(rng.pick(["acme", "../acme", "", "kube-system"]))}}\nspec: {unknownField: 1}\n`;
    default:
      // Anchors across documents and a giant key count.
      return `a: &x ${JSON.stringify(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])))}\n---\nb: *x\n`;
  }
}

function hostileText(rng: Random, field: DescField): string {
  if (field.name === "manifests") return hostileYaml(rng);
  if (/name|namespace|kind|environment/.test(field.name)) return hostileName(rng);
  const size = rng.pick([1000, 100_000, 2_000_000]);
  const huge = size <= hugeBudget ? "x".repeat(size) : "x";
  hugeBudget -= huge.length;
  return rng.pick([
    "",
    huge,
    "\u0000",
    "\ud800",
    "../../../../",
    "a=b,c!=d,e in (f",
    "!!!",
    "999999999999999999999999",
    "-1",
    "1h30m",
    "9999999h",
    "2026-13-45T99:99:99Z",
    "{\"a\":",
  ]);
}

function hostileNumber(rng: Random, field: DescField): number | bigint | boolean {
  const scalar = field.fieldKind === "scalar" || field.fieldKind === "list" ? field.scalar : undefined;
  // ScalarType: 8 bool; 3,4,6,16,18 64-bit ints.
  if (scalar === 8) return rng.chance(0.5);
  const big = scalar === 3 || scalar === 4 || scalar === 6 || scalar === 16 || scalar === 18;
  const unsigned = scalar === 4 || scalar === 6 || scalar === 13 || scalar === 7;
  if (scalar === 1 || scalar === 2) return rng.pick([0, -1, 1e308, Number.NaN, Number.POSITIVE_INFINITY, -0, 3.5]);
  const values = big ? [0n, 1n, unsigned ? 18446744073709551615n : -9223372036854775808n, 9223372036854775807n] : [0, 1, unsigned ? 4294967295 : -2147483648, 2147483647, unsigned ? 7 : -1];
  return big ? (rng.pick(values as bigint[]) as bigint) : (rng.pick(values as number[]) as number);
}

/** A deeply nested JSON value, for google.protobuf.Struct and Value fields. */
function deepJson(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { n: value, l: [i] };
  return value;
}

const wrappers = new Set(["google.protobuf.StringValue", "google.protobuf.BoolValue", "google.protobuf.Int32Value", "google.protobuf.Int64Value", "google.protobuf.UInt32Value", "google.protobuf.UInt64Value", "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.BytesValue"]);

// Bytes of huge strings one request may still carry: a message of a thousand 2 MB strings would only
// measure the client's memory.
let hugeBudget = 0;

/** A request message's init for `create(schema, init)`: every field set with a probability, each to a hostile value. */
export function hostileRequest(rng: Random, schema: DescMessage): Record<string, unknown> {
  hugeBudget = 3_000_000;
  return hostileInit(rng, schema);
}

function hostileInit(rng: Random, schema: DescMessage, depth = 0): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const member of schema.members) {
    if (!rng.chance(depth === 0 ? 0.8 : 0.4)) continue;
    if (member.kind === "oneof") {
      const field = rng.pick(member.fields);
      const value = fieldValue(rng, field, depth);
      if (value !== undefined) init[member.localName] = { case: field.localName, value };
      continue;
    }
    const value = fieldValue(rng, member, depth);
    if (value !== undefined) init[member.localName] = value;
  }
  return init;
}

function singleValue(rng: Random, field: DescField, depth: number): unknown {
  const message = field.message;
  if (message) {
    if (message.typeName === "google.protobuf.Struct") return deepJson(rng.pick([1, 50, 400]));
    if (message.typeName === "google.protobuf.Value") return deepJson(rng.pick([1, 50]));
    if (message.typeName === "google.protobuf.ListValue" || message.typeName === "google.protobuf.Any") return undefined;
    if (wrappers.has(message.typeName)) return undefined;
    if (depth > 4) return undefined;
    return create(message, hostileInit(rng, message, depth + 1));
  }
  if (field.enum) return rng.pick([0, 1, 2, 99, -5]);
  const scalar = field.scalar;
  if (scalar === 9) return hostileText(rng, field);
  if (scalar === 12) return rng.chance(0.5) ? new Uint8Array(rng.pick([0, 10, 100_000])).fill(0xff) : new Uint8Array();
  return hostileNumber(rng, field);
}

function fieldValue(rng: Random, field: DescField, depth: number): unknown {
  switch (field.fieldKind) {
    case "list": {
      const n = rng.pick([0, 1, 3, depth === 0 && !field.message ? 2000 : 3]);
      return Array.from({ length: n }, () => singleValue(rng, field as DescField, depth)).filter((v) => v !== undefined);
    }
    case "map": {
      const entries: Record<string, unknown> = {};
      for (let i = 0; i < rng.pick([0, 2, 500]); i++) {
        const v = field.mapKind === "message" ? (depth > 4 ? undefined : create(field.message, hostileInit(rng, field.message, depth + 1))) : field.mapKind === "enum" ? 1 : field.scalar === 9 ? hostileName(rng) : 1;
        if (v !== undefined) entries[`${rng.pick(["k", "../k", "", "x".repeat(300)])}${i}`] = v;
      }
      return entries;
    }
    default:
      return singleValue(rng, field, depth);
  }
}

/** A valid encoding of `init`, then mangled: bytes flipped, cut short, unknown or oversize fields appended. */
export function mutateBinary(rng: Random, schema: DescMessage, init: Record<string, unknown>): { bytes: Uint8Array; undecodable: boolean } {
  let bytes: Uint8Array;
  try {
    bytes = toBinary(schema, create(schema, init));
  } catch {
    bytes = new Uint8Array();
  }
  switch (rng.int(6)) {
    case 0: {
      const copy = Uint8Array.from(bytes);
      for (let i = 0; i < Math.max(1, copy.length / 20); i++) if (copy.length) copy[rng.int(copy.length)] = rng.int(256);
      return { bytes: copy, undecodable: true };
    }
    case 1:
      return { bytes: bytes.subarray(0, rng.int(bytes.length + 1)), undecodable: true };
    case 2:
      // Unknown field 999 (varint) and 1000 (length-delimited): legal protobuf, to be ignored.
      return { bytes: Uint8Array.from([...bytes, 0xb8, 0x3e, 0x01, 0xc2, 0x3e, 0x03, 0x61, 0x62, 0x63]), undecodable: false };
    case 3:
      // A length prefix far past the end.
      return { bytes: Uint8Array.from([...bytes, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), undecodable: true };
    case 4: {
      // Nested groups / messages a thousand deep on field 1.
      const depth = rng.pick([100, 10_000]);
      return { bytes: Uint8Array.from([...Array(depth).fill(0x0b), ...Array(depth).fill(0x0c)]), undecodable: true };
    }
    default:
      return { bytes: Uint8Array.from(Array.from({ length: rng.pick([1, 7, 5000]) }, () => rng.int(256))), undecodable: true };
  }
}

/** Text for a Connect JSON body: broken, deep, huge or with unknown keys. */
export function mutateJson(rng: Random, validJson: string): string {
  switch (rng.int(6)) {
    case 0:
      return validJson.slice(0, rng.int(validJson.length + 1));
    case 1:
      return `${"[".repeat(rng.pick([1000, 100_000]))}`;
    case 2:
      return `{"zzzUnknownField": 1${validJson.length > 2 ? `, ${validJson.slice(1)}` : "}"}`;
    case 3:
      return `{"name": ${"{\"a\":".repeat(rng.pick([500, 50_000]))}1${"}".repeat(50_000)}}`;
    case 4:
      return rng.pick(["null", "[]", "\"str\"", "1e999", "{\"name\": 1}", "{\"pageSize\": \"x\"}", "{\"pageSize\": 1e30}", "\ufeff{}", "{\"__proto__\": {\"x\": 1}}", "{\"constructor\": {\"prototype\": {}}}"]);
    default:
      return `{"name": "${"\\u0000".repeat(rng.pick([10, 100_000]))}"}`;
  }
}
