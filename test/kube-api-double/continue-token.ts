import { badRequest, gone } from "./kube-status.js";

/**
 * A list's continue token as kube-apiserver shapes it: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":KEY}`,
 * the revision the first page was read at and the key after which the next page starts.
 */
export function writeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start: `${lastKey}\u0000` })).toString("base64url");
}

export function readContinue(token: string): { rv: number; start: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw badRequest("continue key is not valid: illegal base64 data or JSON");
  }
  const { v, rv, start } = (parsed ?? {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== "meta.k8s.io/v1") throw badRequest("continue key is not valid: server does not recognize this encoded version");
  if (typeof rv !== "number" || !Number.isInteger(rv) || rv <= 0) throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  if (typeof start !== "string" || start === "") throw badRequest("continue key is not valid: encoded start key empty");
  return { rv, start: start.replace(/\u0000$/, "") };
}

export const expiredContinue = () =>
  gone(
    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
  );
