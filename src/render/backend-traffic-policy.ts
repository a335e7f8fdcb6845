import type { JsonObject } from "../model/index.js";
import { renderError, renderWarning, type RenderProblem } from "./render-problem.js";
import { routePolicy, type RoutePolicyInput } from "./route-policy.js";

/**
 * The Envoy Gateway BackendTrafficPolicy of an APIClass's rate limit and circuit breaker on one
 * route; undefined when it sets neither. The rate limit is Local (each proxy replica counts on its
 * own): a Global limit needs a rate-limit service the v0.3 data plane does not run.
 */
export function renderBackendTrafficPolicy(input: RoutePolicyInput): {
  manifest: JsonObject | undefined;
  problems: RenderProblem[];
} {
  const problems: RenderProblem[] = [];
  const spec: JsonObject = {};
  const rateLimit = input.policy.rateLimit;
  if (rateLimit) {
    const limit = rateLimitOf(rateLimit.requests ?? 0, rateLimit.window ?? "", input.apiClassName, problems);
    if (limit) spec.rateLimit = { type: "Local", local: { rules: [{ limit }] } };
  }
  const breaker = input.policy.circuitBreaker;
  if (breaker?.enabled) {
    const thresholds: JsonObject = {};
    if (breaker.maxConnections !== undefined) thresholds.maxConnections = breaker.maxConnections;
    if (breaker.maxParallelRequests !== undefined) thresholds.maxParallelRequests = breaker.maxParallelRequests;
    if (breaker.maxParallelRetries !== undefined) thresholds.maxParallelRetries = breaker.maxParallelRetries;
    if (breaker.maxPendingRequests !== undefined) thresholds.maxPendingRequests = breaker.maxPendingRequests;
    spec.circuitBreaker = thresholds;
  }
  return { manifest: routePolicy("BackendTrafficPolicy", input, spec), problems };
}

const units: readonly (readonly [string, number])[] = [
  ["Second", 1],
  ["Minute", 60],
  ["Hour", 3600],
  ["Day", 86400],
];

/**
 * Envoy Gateway counts per whole unit (second, minute, hour, day). A window of exactly one unit maps
 * as it is; any other window becomes the same average rate in the largest unit that fits in it,
 * rounded down, or in the next larger unit when that rounds to zero; with a warning.
 */
function rateLimitOf(requests: number, window: string, className: string, problems: RenderProblem[]): JsonObject | undefined {
  const seconds = durationSeconds(window);
  if (seconds === undefined || seconds <= 0 || !Number.isInteger(requests) || requests < 1) {
    problems.push(renderError("PolicyInvalid", `APIClass "${className}": rateLimit needs requests >= 1 and a window such as 1m (got ${requests} per "${window}"); no rate limit applied`));
    return undefined;
  }
  const exact = units.find(([, size]) => size === seconds);
  if (exact) return { requests, unit: exact[0] };
  const fitting = [...units].reverse().find(([, size]) => size <= seconds) ?? units[0]!;
  let [unit, size] = fitting;
  let scaled = Math.floor((requests * size) / seconds);
  if (scaled < 1) {
    // Too few requests to spread over a smaller unit: count over the next larger one instead.
    [unit, size] = units.find(([, s]) => s > seconds) ?? units[units.length - 1]!;
    scaled = Math.max(1, Math.floor((requests * size) / seconds));
  }
  problems.push(renderWarning("PolicyNotSupported", `APIClass "${className}": ${requests} requests per ${window} is enforced as ${scaled} per ${unit.toLowerCase()} (Envoy Gateway counts per whole second, minute, hour or day)`));
  return { requests: scaled, unit };
}

const durationPart = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** A Go-style duration ("1m", "1h30m", "500ms", also "1d") in seconds; undefined when malformed. */
function durationSeconds(text: string): number | undefined {
  if (!/^((\d+(\.\d+)?)(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(durationPart)) total += Number(amount) * unitSeconds[unit!]!;
  return total;
}
