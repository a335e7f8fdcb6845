// The watch fan-out benchmark's clients, in a process of their own as real watchers are (so the
// benchmark process does not decode every stream's events itself): N ResourceService.Watch streams
// on Components over one HTTP/2 connection, printing one JSON line per round once every stream has
// seen it: `{"round": R, "at": [epoch ms per stream]}`. Run by bench/watch-fan-out.ts:
// `tsx bench/watch-clients.ts '{"url":...}'`.
import { setMaxListeners } from "node:events";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { ResourceService } from "../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { WatchEventType } from "../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import type { JsonObject } from "../src/model/index.js";

export interface WatchClientsCommand {
  readonly url: string;
  readonly token: string | undefined;
  readonly streams: number;
  readonly namespace: string;
  readonly resourceVersion: string;
}

export interface RoundSeen {
  readonly round: number;
  /** When each stream first saw the round, in ms since the epoch (comparable across processes). */
  readonly at: number[];
}

const command = JSON.parse(process.argv[2] ?? "{}") as WatchClientsCommand;
const epochNow = () => performance.timeOrigin + performance.now();
const abort = new AbortController();
setMaxListeners(0, abort.signal);
const transport = createGrpcTransport({
  baseUrl: command.url,
  sessionManager: new Http2SessionManager(command.url),
  interceptors: [(next) => (req) => (command.token && req.header.set("authorization", `Bearer ${command.token}`), next(req))],
});
const client = createClient(ResourceService, transport);
const seen = Array.from({ length: command.streams }, () => new Map<number, number>());
const reported = new Set<number>();

const report = (round: number) => {
  if (reported.has(round) || !seen.every((s) => s.has(round))) return;
  reported.add(round);
  process.stdout.write(`${JSON.stringify({ round, at: seen.map((s) => s.get(round)!) } satisfies RoundSeen)}\n`);
};

process.on("SIGTERM", () => abort.abort());
await Promise.all(
  seen.map(async (rounds) => {
    try {
      for await (const event of client.watch({ kind: "Component", namespace: command.namespace, resourceVersion: command.resourceVersion }, { signal: abort.signal })) {
        if (event.type === WatchEventType.BOOKMARK || !event.object) continue;
        const round = Number(((event.object.metadata as JsonObject | undefined)?.labels as JsonObject | undefined)?.round ?? -1);
        if (!rounds.has(round)) rounds.set(round, epochNow());
        report(round);
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  }),
);
