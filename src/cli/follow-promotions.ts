import type { Promotion } from "../../gen/openchoreo/model/v1alpha1/promotion_pb.js";
import { CliError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import type { Api } from "./create-api.js";

/** Phases after which a promotion does nothing more. */
export const finishedPhases: ReadonlySet<string> = new Set(["Succeeded", "Failed", "Rejected", "Expired"]);

/** What a promotion is doing, in one line: its phase and the reason its Ready condition gives. */
export function promotionLine(promotion: Promotion): string {
  const ready = promotion.status?.conditions.find((c) => c.type === "Ready");
  const phase = promotion.status?.phase || "Pending";
  return `promotion ${promotion.metadata?.name}: ${phase}${ready?.message ? ` (${ready.message})` : ""}`;
}

/**
 * Follows promotions through WatchPromotions until each has finished, printing each change of
 * phase; true when every one succeeded. A timeout is an error naming the ones still going.
 */
export async function followPromotions(api: Api, io: CliIo, namespace: string, names: readonly string[], timeoutMs: number): Promise<boolean> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  io.signal.addEventListener("abort", onAbort);
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const latest = new Map<string, Promotion>();
  const printed = new Map<string, string>();
  try {
    for await (const event of api.promotions.watchPromotions({ namespace }, { signal: abort.signal })) {
      const promotion = event.promotion;
      const name = promotion?.metadata?.name ?? "";
      if (!promotion || !names.includes(name)) continue;
      latest.set(name, promotion);
      const line = promotionLine(promotion);
      if (printed.get(name) !== line) {
        printed.set(name, line);
        io.stdout.write(`${line}\n`);
        if (promotion.status?.phase === "AwaitingApproval") io.stdout.write(`  approve with: choreoctl approve ${name} (as an approver other than the requester)\n`);
      }
      if (names.every((n) => finishedPhases.has(latest.get(n)?.status?.phase ?? ""))) {
        return names.every((n) => latest.get(n)?.status?.phase === "Succeeded");
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    io.signal.removeEventListener("abort", onAbort);
    abort.abort();
  }
  if (io.signal.aborted) return false;
  const going = names.filter((n) => !finishedPhases.has(latest.get(n)?.status?.phase ?? ""));
  throw new CliError(`timed out waiting for ${going.map((n) => `${n} (${latest.get(n)?.status?.phase || "Pending"})`).join(", ")}`);
}
