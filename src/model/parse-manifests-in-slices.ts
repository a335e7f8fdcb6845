import { isInvalidSpecError } from "../errors/index.js";
import type { Codec } from "./codec.js";
import type { JsonObject } from "./json.js";

/**
 * The documents of a manifest text, parsed by the codec a slice of text at a time with turns of the
 * event loop between. Slices are cut at "---" lines, where YAML itself ends a document (no scalar
 * may hold such a line); a text with directives ("%YAML") is parsed whole, since a directive belongs
 * to the document after it. An error is reported as the codec reports it for the whole text. `pause`
 * gives the event loop its turn when the caller's time slice is spent.
 */
export async function parseManifestsInSlices(codec: Codec, text: string, pause: () => Promise<void>): Promise<JsonObject[]> {
  if (text.length <= manifestSliceBytes || /^%/m.test(text)) return codec.parseManifests(text);
  const docs: JsonObject[] = [];
  let start = 0;
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  const parse = async (slice: string) => {
    try {
      docs.push(...codec.parseManifests(slice));
    } catch (err) {
      if (!isInvalidSpecError(err)) throw err;
      // Numbered within the slice: the whole text numbers it as the user counts.
      codec.parseManifests(text);
      throw err;
    }
    await pause();
  };
  for (let found = marker.exec(text); found; found = marker.exec(text)) {
    if (found.index - start < manifestSliceBytes) continue;
    await parse(text.slice(start, found.index));
    start = found.index;
  }
  await parse(text.slice(start));
  return docs;
}

/**
 * A few documents of a typical size: the codec parses about a document a millisecond on a busy
 * machine, so a slice keeps its turn of the event loop to a few milliseconds.
 */
const manifestSliceBytes = 4 * 1024;

/** A request that carries manifests (ResourceService's Apply). */
export interface ManifestsRequest {
  readonly manifests?: unknown;
}

interface ParsedManifests {
  readonly documents: Promise<JsonObject[]>;
  /** The documents once parsed, or the error, for readers that cannot wait. */
  outcome?: { readonly documents: JsonObject[] } | { readonly error: unknown };
}

/**
 * Thousands of documents are seconds of parsing, and one Apply call is read by the access guard
 * (what it needs), its handler (what to write) and the audit trail (what it names): each request
 * message is parsed once, and all of them take the same documents. Keyed by the message object,
 * which the interceptors and the handler of one call share, and forgotten with it.
 */
const parsedByRequest = new WeakMap<ManifestsRequest, ParsedManifests>();

/**
 * The documents of a request's manifests (parsed in slices the first time, then the same documents,
 * or the same error, to every caller). The documents are shared: callers must not change them.
 */
export function parseRequestManifests(codec: Codec, request: ManifestsRequest, pause: () => Promise<void>): Promise<JsonObject[]> {
  let parsed = parsedByRequest.get(request);
  if (!parsed) {
    const text = typeof request.manifests === "string" ? request.manifests : "";
    const entry: ParsedManifests = { documents: parseManifestsInSlices(codec, text, pause) };
    // Also marks the error handled: a caller that never asks again (a refused call) leaves it unread.
    entry.documents.then(
      (documents) => (entry.outcome = { documents }),
      (error: unknown) => (entry.outcome = { error }),
    );
    parsedByRequest.set(request, (parsed = entry));
  }
  return parsed.documents;
}

/**
 * What parseRequestManifests found for a request once it has finished: its documents, "invalid",
 * or undefined when nobody parsed it (or the parse is still under way).
 */
export function parsedRequestManifests(request: ManifestsRequest): readonly JsonObject[] | "invalid" | undefined {
  const outcome = parsedByRequest.get(request)?.outcome;
  if (!outcome) return undefined;
  return "documents" in outcome ? outcome.documents : "invalid";
}
