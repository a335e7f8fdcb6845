import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../../gen/index.js";
import { createCodec, createKindRegistry, validateObject, type JsonObject } from "../../model/index.js";
import { referenceDir, referencePresent, referenceSkipReason } from "../../../test/support/shared-reference.js";
import { organizationDefaults } from "./defaults.js";

const codec = createCodec(createKindRegistry(allFiles));

/** Every field and value of `expected` is in `actual`; the paths that differ otherwise. */
function missing(actual: unknown, expected: unknown, path: string): string[] {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    return Object.entries(expected).flatMap(([k, v]) => missing((actual as Record<string, unknown> | undefined)?.[k], v, `${path}.${k}`));
  }
  return JSON.stringify(actual) === JSON.stringify(expected) ? [] : [`${path}: expected ${JSON.stringify(expected)}, have ${JSON.stringify(actual)}`];
}

describe("an organization's defaults", () => {
  const defaults = organizationDefaults("default").map((d) => codec.encode(d.object));
  const key = (o: JsonObject) => `${o.kind}/${(o.metadata as JsonObject).name}`;

  it.skipIf(!referencePresent)(`hold every object of OpenChoreo v0.3's default install, field for field${referencePresent ? "" : ` (${referenceSkipReason})`}`, () => {
    const dir = join(referenceDir, "defaults-rendered");
    const reference = readdirSync(dir)
      .flatMap((f) => codec.parseManifests(readFileSync(join(dir, f), "utf8")))
      // The Organization is the embedded bootstrap's, not an organization's default.
      .filter((o) => o.kind !== "Organization");
    expect(reference.map(key)).toContain("APIClass/default-with-jwt-auth");
    const problems = reference.flatMap((ref) => {
      const mine = defaults.find((d) => key(d) === key(ref));
      return mine ? missing(mine, ref, key(ref)) : [`${key(ref)}: not among the defaults`];
    });
    expect(problems).toEqual([]);
  });

  it("are created in the organization's namespace, each valid for its kind (as the API would check it)", () => {
    for (const object of organizationDefaults("acme").map((d) => codec.encode(d.object))) {
      expect((object.metadata as JsonObject).namespace, key(object)).toBe("acme");
      expect(() => validateObject(codec.kindOf(object), object), key(object)).not.toThrow();
    }
  });
});
