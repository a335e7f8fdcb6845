import { isIP } from "node:net";
import type { RestPolicy } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import type { Environment } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import type { JsonObject } from "../model/index.js";
import { generatedName } from "./names.js";
import { renderError, type RenderProblem } from "./render-problem.js";
import { routePolicy, type RoutePolicyInput } from "./route-policy.js";

export interface SecurityPolicyInput extends RoutePolicyInput {
  /** Its JWKS, when set, is the one JWTs are checked against. */
  readonly environment: Environment;
}

// Envoy Gateway's limits (SecurityPolicy CRD): JWT audiences and authorization scopes per rule.
const MAX_AUDIENCES = 8;
const MAX_SCOPES = 16;
const corsOrigin = /^(\*|https?:\/\/(\*|(\*\.)?(([\w-]+\.?)+)?[\w-]+)(:\d{1,5})?)$/;

/**
 * The Envoy Gateway SecurityPolicy of an APIClass's REST policy on one route: authentication (jwt,
 * oauth2, apikey, basic), CORS, and an authorization made of the blocked and allowed client IPs and
 * the OAuth2 scopes. Authentication that cannot be set up (no JWKS, an unknown type, a bad address)
 * renders closed: every request is denied, never let through unchecked. Undefined when the policy
 * asks for none of these.
 */
export function renderSecurityPolicy(input: SecurityPolicyInput): { manifest: JsonObject | undefined; problems: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  const spec: JsonObject = {};
  const auth = authentication(input, problems);
  Object.assign(spec, auth.spec);
  const cors = corsOf(input.policy, problems);
  if (cors) spec.cors = cors;
  const security = input.policy.security;
  const blocked = cidrs(security?.blockedIPs ?? [], "blockedIPs", problems);
  const allowed = cidrs(security?.allowedIPs ?? [], "allowedIPs", problems);
  if (auth.failClosed || blocked === undefined || allowed === undefined) {
    spec.authorization = { defaultAction: "Deny" };
  } else {
    const rules: JsonObject[] = [];
    if (blocked.length > 0) rules.push({ name: "blocked-ips", action: "Deny", principal: { clientCIDRs: blocked } });
    // One Allow rule: a request must come from an allowed address and carry the scopes.
    const principal: JsonObject = {};
    if (allowed.length > 0) principal.clientCIDRs = allowed;
    if (auth.scopes.length > 0) principal.jwt = { provider: auth.provider, scopes: auth.scopes };
    const allows = Object.keys(principal).length > 0;
    if (allows) rules.push({ name: "allowed", action: "Allow", principal });
    if (rules.length > 0) spec.authorization = { defaultAction: allows ? "Deny" : "Allow", rules };
  }
  return { manifest: routePolicy("SecurityPolicy", input, spec), problems };
}

interface AuthenticationSpec {
  readonly spec: JsonObject;
  readonly failClosed: boolean;
  /** The JWT provider the scopes are checked against. */
  readonly provider: string;
  readonly scopes: string[];
}

function authentication(input: SecurityPolicyInput, problems: RenderProblem[]): AuthenticationSpec {
  const auth = input.policy.authentication;
  const none: AuthenticationSpec = { spec: {}, failClosed: false, provider: "", scopes: [] };
  if (!auth) return none;
  const closed = (message: string): AuthenticationSpec => {
    problems.push(renderError("PolicyInvalid", `APIClass "${input.apiClassName}": ${message}; every request is denied`));
    return { ...none, failClosed: true };
  };
  // An Environment's JWKS (its identity provider) wins over the class's, so one APIClass serves
  // environments that trust different issuers.
  const environmentJwks = input.environment.spec?.gateway?.security?.remoteJwks?.uri;
  const type = auth.type ?? "";
  switch (type.toLowerCase()) {
    case "jwt": {
      const jwks = environmentJwks || auth.jwt?.jwks;
      if (!jwks) return closed("jwt authentication needs a JWKS URI (class jwt.jwks or the Environment's gateway.security.remoteJwks)");
      const audiences = auth.jwt?.audience ?? [];
      if (audiences.length > MAX_AUDIENCES) return closed(`jwt authentication takes at most ${MAX_AUDIENCES} audiences`);
      const provider: JsonObject = { name: "jwt", remoteJWKS: { uri: jwks } };
      if (auth.jwt?.issuer) provider.issuer = auth.jwt.issuer;
      if (audiences.length > 0) provider.audiences = [...audiences];
      return { ...none, spec: { jwt: { providers: [provider] } } };
    }
    case "oauth2": {
      // Access tokens are JWTs from the environment's identity provider; tokenUrl tells clients
      // where to get one and is not enforced at the gateway.
      if (!environmentJwks) return closed("oauth2 authentication needs the Environment's gateway.security.remoteJwks");
      const scopes = auth.oauth2?.scopes ?? [];
      if (scopes.length > MAX_SCOPES) return closed(`oauth2 authentication takes at most ${MAX_SCOPES} scopes`);
      return {
        spec: { jwt: { providers: [{ name: "oauth2", remoteJWKS: { uri: environmentJwks } }] } },
        failClosed: false,
        provider: "oauth2",
        scopes: [...scopes],
      };
    }
    case "apikey": {
      const from: JsonObject[] = [];
      if (auth.apikey?.header) from.push({ headers: [auth.apikey.header] });
      if (auth.apikey?.queryParam) from.push({ params: [auth.apikey.queryParam] });
      // The keys are client credentials the platform provisions in the cell, never rendered here.
      const credentials = { group: "", kind: "Secret", name: generatedName([input.apiClassName, "api-keys"]) };
      return {
        ...none,
        spec: { apiKeyAuth: { credentialRefs: [credentials], extractFrom: from.length > 0 ? from : [{ headers: ["x-api-key"] }] } },
      };
    }
    case "basic": {
      // An htpasswd Secret the platform provisions in the cell.
      const users = { group: "", kind: "Secret", name: generatedName([input.apiClassName, "basic-auth"]) };
      return { ...none, spec: { basicAuth: { users } } };
    }
    default:
      return closed(`unknown authentication type "${type}" (jwt, oauth2, apikey or basic)`);
  }
}

function corsOf(policy: RestPolicy, problems: RenderProblem[]): JsonObject | undefined {
  const cors = policy.cors;
  if (!cors) return undefined;
  const out: JsonObject = {};
  const origins = cors.allowOrigins.filter((origin) => {
    if (corsOrigin.test(origin)) return true;
    problems.push(renderError("PolicyInvalid", `CORS origin "${origin}" is not "*" or an http(s) origin; left out`));
    return false;
  });
  if (origins.length > 0) out.allowOrigins = origins;
  if (cors.allowMethods.length > 0) out.allowMethods = [...cors.allowMethods];
  if (cors.allowHeaders.length > 0) out.allowHeaders = [...cors.allowHeaders];
  if (cors.exposeHeaders.length > 0) out.exposeHeaders = [...cors.exposeHeaders];
  if (cors.maxAge !== undefined && cors.maxAge >= 0) out.maxAge = duration(cors.maxAge);
  else if (cors.maxAge !== undefined) problems.push(renderError("PolicyInvalid", `CORS maxAge ${cors.maxAge} is negative; left out`));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Addresses as CIDRs (a bare address is one host); undefined when one is not an address at all. */
function cidrs(values: readonly string[], field: string, problems: RenderProblem[]): string[] | undefined {
  const out: string[] = [];
  for (const value of values) {
    const [ip = "", bits, ...rest] = value.trim().split("/");
    const family = isIP(ip);
    const max = family === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
    if (family === 0 || rest.length > 0 || prefix < 0 || prefix > max) {
      problems.push(renderError("PolicyInvalid", `security.${field}: "${value}" is not an IP address or CIDR; every request is denied`));
      return undefined;
    }
    out.push(`${ip}/${prefix}`);
  }
  return out;
}

/** Seconds as an Envoy Gateway duration ("24h", "1h30m", "45s"), whose units take at most 5 digits. */
function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const text = `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
  return text || "0s";
}
