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

/** About thirty documents of a typical size. */
const manifestSliceBytes = 32 * 1024;
