// Everything the page shows live comes through this module: views subscribe to selectors (a kind, a
// namespace, a label selector) and get the current objects, kept up to date by watch streams, never
// by polling. Browsers give a cleartext origin about six HTTP/1.1 connections and a server stream holds
// one for its whole life, so the page's subscriptions share ONE stream (ResourceService.WatchMany);
// when the set changes the stream is reopened with the new set, and each selector's objects are kept
// until the new stream has re-listed them (no flicker).
import { useEffect, useState } from "preact/hooks";
import type { JsonObject } from "@bufbuild/protobuf";
import { WatchEventType } from "../../gen/openchoreo/api/v1alpha1/resource_types_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { api } from "./api.js";

/** Dispatched on window when the server refuses the signed-in credential; detail: its message. */
export const credentialRefusedEvent = "choreo:credential-refused";

export interface Selector {
  readonly kind: string;
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly labelSelector?: string;
}

export interface Snapshot {
  readonly items: readonly JsonObject[];
  /** The first listing has arrived. */
  readonly synced: boolean;
  readonly error?: string;
}

interface Entry {
  readonly selector: Selector;
  readonly objects: Map<string, JsonObject>;
  readonly listeners: Set<(s: Snapshot) => void>;
  /** Names seen since the stream (re)opened, until its BOOKMARK ends the listing. */
  relisting: Set<string> | undefined;
  synced: boolean;
  error: string | undefined;
}

const keyOf = (s: Selector) => JSON.stringify([s.kind, s.namespace ?? "", s.allNamespaces ?? false, s.labelSelector ?? ""]);
const nameOf = (o: JsonObject) => {
  const m = (o.metadata ?? {}) as JsonObject;
  return `${String(m.namespace ?? "")}/${String(m.name ?? "")}`;
};

const entries = new Map<string, Entry>();
let stream: AbortController | undefined;
let reopenQueued = false;
let retryMs = 500;

function snapshot(e: Entry): Snapshot {
  return { items: [...e.objects.values()], synced: e.synced, ...(e.error ? { error: e.error } : {}) };
}
function publish(e: Entry) {
  const s = snapshot(e);
  for (const l of e.listeners) l(s);
}

function apply(e: Entry, type: WatchEventType, object: JsonObject | undefined) {
  if (type === WatchEventType.BOOKMARK) {
    if (e.relisting) for (const name of [...e.objects.keys()]) if (!e.relisting.has(name)) e.objects.delete(name);
    e.relisting = undefined;
    e.synced = true;
  } else if (object) {
    const name = nameOf(object);
    if (type === WatchEventType.DELETED) e.objects.delete(name);
    else {
      e.objects.set(name, object);
      e.relisting?.add(name);
    }
  }
  e.error = undefined;
  publish(e);
}

/** Opens the one stream for every current selector (after the current task, so changes batch). */
function reopen() {
  if (reopenQueued) return;
  reopenQueued = true;
  queueMicrotask(() => {
    reopenQueued = false;
    stream?.abort();
    const watched = [...entries.values()];
    if (watched.length === 0) return;
    const controller = new AbortController();
    stream = controller;
    for (const e of watched) e.relisting = new Set();
    void run(watched, controller.signal);
  });
}

async function run(watched: Entry[], signal: AbortSignal) {
  try {
    const watches = watched.map(({ selector: s }) => ({ kind: s.kind, namespace: s.namespace ?? "", allNamespaces: s.allNamespaces ?? false, labelSelector: s.labelSelector ?? "" }));
    for await (const r of api.resources.watchMany({ watches }, { signal })) {
      const e = watched[r.watch];
      if (e) apply(e, r.type, r.object);
      retryMs = 500;
    }
  } catch (err) {
    if (signal.aborted) return;
    // A credential the server no longer accepts (revoked, expired) ends every stream: back to sign-in.
    if (ConnectError.from(err).code === Code.Unauthenticated) {
      dispatchEvent(new CustomEvent(credentialRefusedEvent, { detail: ConnectError.from(err).rawMessage }));
      return;
    }
    for (const e of watched) {
      e.error = err instanceof Error ? err.message : String(err);
      publish(e);
    }
  }
  if (signal.aborted) return;
  // The server ended the stream (a restart, a revoked token): reconnect with backoff and relist.
  setTimeout(() => {
    if (!signal.aborted) reopen();
  }, retryMs);
  retryMs = Math.min(retryMs * 2, 10_000);
}

/** Watches a selector while a view needs it; null watches nothing. */
export function useWatch(selector: Selector | null): Snapshot {
  const key = selector ? keyOf(selector) : "";
  const [state, setState] = useState<Snapshot>(() => (selector && entries.get(key) ? snapshot(entries.get(key)!) : { items: [], synced: false }));
  useEffect(() => {
    if (!selector) return;
    let e = entries.get(key);
    if (!e) {
      e = { selector, objects: new Map(), listeners: new Set(), relisting: undefined, synced: false, error: undefined };
      entries.set(key, e);
      reopen();
    }
    e.listeners.add(setState);
    setState(snapshot(e));
    const entry = e;
    return () => {
      entry.listeners.delete(setState);
      if (entry.listeners.size === 0) {
        entries.delete(key);
        reopen();
      }
    };
  }, [key]);
  return state;
}

/** Closes the stream (signing out). */
export function stopWatching() {
  stream?.abort();
  stream = undefined;
  entries.clear();
}
