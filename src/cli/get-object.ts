import { Code, ConnectError } from "@connectrpc/connect";
import type { JsonObject, KindInfo } from "../model/index.js";
import type { CommandContext } from "./command-spec.js";

/** One object, or undefined when the server says NotFound. */
export async function getObject(ctx: CommandContext, kind: KindInfo, namespace: string, name: string): Promise<JsonObject | undefined> {
  const api = await ctx.api();
  try {
    const response = await api.resources.get({ kind: kind.kind, apiVersion: kind.apiVersion, namespace, name }, { signal: ctx.io.signal });
    return response.object;
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.NotFound) return undefined;
    throw err;
  }
}
