import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { createCodec, type Codec } from "./codec.js";
import { createKindRegistry } from "./kind-registry.js";
import { parseRequestManifests, parsedRequestManifests } from "./parse-manifests-in-slices.js";

const codec = createCodec(createKindRegistry(allFiles));

/** The codec, counting the text it parses. */
function countingCodec(): { codec: Codec; parsedBytes: () => number } {
  let bytes = 0;
  return {
    codec: {
      ...codec,
      parseManifests(text) {
        bytes += text.length;
        return codec.parseManifests(text);
      },
    },
    parsedBytes: () => bytes,
  };
}

const environment = (name: string) => `apiVersion: openchoreo.dev/v1alpha1
kind: Environment
metadata: {name: ${name}, namespace: default}
spec: {dataPlaneRef: edge}
`;
const noPause = () => Promise.resolve();

describe("parseRequestManifests", () => {
  it("parses a request's manifests once, in slices, and gives every caller the same documents in order", async () => {
    const names = Array.from({ length: 300 }, (_, i) => `env-${i}`);
    const request = { manifests: names.map(environment).join("---\n") };
    const counting = countingCodec();
    let pauses = 0;
    const first = await parseRequestManifests(counting.codec, request, async () => void pauses++);
    const second = await parseRequestManifests(counting.codec, request, noPause);

    expect(first.map((d) => (d.metadata as { name: string }).name)).toEqual(names);
    expect(second).toBe(first);
    expect(parsedRequestManifests(request)).toBe(first);
    expect(counting.parsedBytes()).toBeLessThanOrEqual(request.manifests.length);
    expect(pauses).toBeGreaterThan(1);
    // Another message with the same text is another call: parsed again.
    await parseRequestManifests(counting.codec, { manifests: request.manifests }, noPause);
    expect(counting.parsedBytes()).toBeGreaterThan(request.manifests.length);
  });

  it("gives every caller the same error, numbered as the whole text counts, and tells a later reader it was invalid", async () => {
    const docs = Array.from({ length: 200 }, (_, i) => environment(`env-${i}`));
    const request = { manifests: [...docs.slice(0, 150), "kind: [unclosed\n", ...docs.slice(150)].join("---\n") };
    const first = parseRequestManifests(codec, request, noPause);
    await expect(first).rejects.toThrow(/document 151: not valid YAML/);
    await expect(parseRequestManifests(codec, request, noPause)).rejects.toBe(await first.catch((err: unknown) => err));
    expect(parsedRequestManifests(request)).toBe("invalid");
  });

  it("tells a reader that nobody parsed a request", () => {
    expect(parsedRequestManifests({ manifests: environment("qa") })).toBeUndefined();
  });
});
