import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { Ajv, type ValidateFunction } from "ajv";

/**
 * The JSON Schemas of third-party kinds in ../shared/schemas (from the CRDs catalog, the format
 * kubeconform uses), read from there, never copied. Checks that need them skip, saying so, when the
 * folder is absent.
 */
export const schemasDir = new URL("../../../shared/schemas/", import.meta.url).pathname;
export const schemasPresent = existsSync(schemasDir);
export const schemasSkipReason = `JSON schemas not found at ${schemasDir}: third-party objects (Gateway API, Cilium, Envoy Gateway, Argo) are not validated`;

/** Go (RE2) patterns write Unicode classes as \pL; JavaScript wants \p{L}. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => new RegExp(pattern.replace(/\\([pP])([A-Z])/g, "\\$1{$2}"), flags),
  { code: "new RegExp" },
);

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The validator of a schema: a file under ../shared/schemas (e.g. "cilium.io/ciliumnetworkpolicy_v2.json") or a schema object. */
export function schemaValidator(key: string, schema?: object): ValidateFunction {
  const cached = compiled.get(key);
  if (cached) return cached;
  ajv ??= createAjv();
  const validate = ajv.compile(schema ?? JSON.parse(readFileSync(schemasDir + key, "utf8")));
  compiled.set(key, validate);
  return validate;
}

/** The problems of one object against a schema, each "path: message {params}"; [] when valid. */
export function schemaProblems(key: string, object: unknown, schema?: object): string[] {
  const validate = schemaValidator(key, schema);
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

function createAjv(): Ajv {
  // strict off: the catalog's schemas carry Kubernetes keywords (x-kubernetes-*) ajv does not know.
  // The schemas are trusted and large: checking them against the meta-schema and optimising the
  // generated code would cost more than the validations save (about 40% of compile time).
  const instance = new Ajv({ strict: false, allErrors: true, validateSchema: false, code: { regExp: goRegExp, optimize: false } });
  instance.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  instance.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
  instance.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
  instance.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
  instance.addFormat("idn-hostname", true);
  instance.addFormat("ipv4", (s: string) => isIP(s) === 4);
  instance.addFormat("ipv6", (s: string) => isIP(s) === 6);
  instance.addFormat("cidr", (s: string) => {
    const [ip = "", bits = ""] = s.split("/");
    const family = isIP(ip);
    return family !== 0 && /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  });
  return instance;
}
