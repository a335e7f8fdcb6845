import type { Mediation, RequestTransformation } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import type { JsonObject } from "../model/index.js";
import { renderError, renderWarning, type RenderProblem } from "./render-problem.js";

const headerName = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/**
 * HTTPRoute filters for an APIClass's mediation: header rules (`addHeader`, `removeHeaders`) become
 * one RequestHeaderModifier and one ResponseHeaderModifier. Body rules (`addFields`,
 * `removeFields` on JSON or XML) have no Gateway API or Envoy Gateway route filter: they are
 * reported, not applied.
 */
export function headerFilters(mediation: Mediation | undefined, className: string): { filters: JsonObject[]; problems: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  const filters: JsonObject[] = [];
  const request = modifier(mediation?.requestTransformations ?? [], "request", className, problems);
  if (request) filters.push({ type: "RequestHeaderModifier", requestHeaderModifier: request });
  const response = modifier(mediation?.responseTransformations ?? [], "response", className, problems);
  if (response) filters.push({ type: "ResponseHeaderModifier", responseHeaderModifier: response });
  return { filters, problems };
}

function modifier(
  rules: readonly RequestTransformation[],
  direction: string,
  className: string,
  problems: RenderProblem[],
): JsonObject | undefined {
  const add: JsonObject[] = [];
  const remove: string[] = [];
  const where = `APIClass "${className}" ${direction} transformation`;
  const valid = (name: string): boolean => {
    if (headerName.test(name)) return true;
    problems.push(renderError("PolicyInvalid", `${where}: "${name}" is not a valid header name; left out`));
    return false;
  };
  for (const rule of rules) {
    switch (rule.action) {
      case "addHeader":
        if (rule.headerName && valid(rule.headerName)) add.push({ name: rule.headerName, value: rule.headerValue ?? "" });
        else if (!rule.headerName) problems.push(renderError("PolicyInvalid", `${where}: addHeader needs headerName; left out`));
        break;
      case "removeHeaders":
        for (const name of rule.headers) if (valid(name) && !remove.includes(name)) remove.push(name);
        break;
      case "addFields":
      case "removeFields":
        problems.push(renderWarning("PolicyNotSupported", `${where}: ${rule.action} on a ${rule.type ?? "body"} body is not supported by the gateway; not applied`));
        break;
      default:
        problems.push(renderError("PolicyInvalid", `${where}: unknown action "${rule.action ?? ""}" (addHeader, removeHeaders, addFields, removeFields)`));
    }
  }
  const out: JsonObject = {};
  if (add.length > 0) out.add = add;
  if (remove.length > 0) out.remove = remove;
  return Object.keys(out).length > 0 ? out : undefined;
}
