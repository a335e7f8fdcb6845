// OpenChoreo v0.3's own samples, applied unchanged with choreoctl to a fresh server (`npm start`'s
// entry point), each folder in turn, waiting until every object is Ready; then their routes carry the
// hostnames OpenChoreo's sample READMEs give.
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../serving/support/repo-root.js";
import { readReferenceFiles, referenceDir, referencePresent, referenceSkipReason } from "../support/shared-reference.js";
import { useCliHarness, type CliHarness } from "./support/cli-harness.js";

if (!referencePresent) console.warn(`${referenceSkipReason} (OpenChoreo's samples on a fresh server)`);

/** Every sample folder, relative to samples/; platform configuration first, environments before the pipeline that names them. */
const folders = referencePresent
  ? [...new Set(readReferenceFiles().filter((f) => f.folder.startsWith("samples/")).map((f) => f.folder.slice("samples/".length)))].sort((a, b) => {
      const rank = (f: string) => (f.startsWith("platform-config/") ? (f.includes("environments") ? 0 : 1) : 2);
      return rank(a) - rank(b) || a.localeCompare(b);
    })
  : [];
const sample = (folder: string) => relative(repoRoot, `${referenceDir}samples/${folder}`);

// OpenChoreo's go-greeter-service reads the ConfigurationGroup "github", which its samples name but do
// not ship: the repository's own definition of it is applied first.
const prerequisites: Record<string, string> = { "from-image/go-greeter-service": "docs/samples/github-configuration-group.yaml" };

/**
 * Applies each folder and waits for Ready. Two of OpenChoreo's samples define the same component
 * (react-starter, from an image and from source), so the samples built from source get a server of
 * their own.
 */
function appliesInTurn(cli: () => CliHarness, group: readonly string[]): void {
  for (const folder of group) {
    it(`${folder}: applied unchanged, every object Ready`, async () => {
      const before = prerequisites[folder];
      if (before) expect((await cli().run(["apply", "-f", before])).code).toBe(0);
      const result = await cli().run(["apply", "-R", "-f", sample(folder), "--wait", "--timeout", "3m"], { timeoutMs: 200_000 });
      expect({ code: result.code, stderr: result.code === 0 ? "" : result.stderr }).toEqual({ code: 0, stderr: "" });
      const applied = result.stdout.split("\n").filter((l) => / (created|configured|unchanged)$/.test(l));
      expect(applied.length, result.stdout).toBeGreaterThan(0);
    }, 240_000);
  }
}

describe.skipIf(!referencePresent)("OpenChoreo's platform configuration and samples from images, on one fresh server", () => {
  const cli = useCliHarness();
  appliesInTurn(cli, folders.filter((f) => !f.startsWith("from-source/")));

  it("routes them at OpenChoreo v0.3's hostnames: <environment>.choreoapis.localhost for APIs, <component>-<environment>.choreoapps.localhost for web applications", async () => {
    const uri = async (kind: string, name: string, level: string) =>
      (await cli().run(["get", kind, name, "-o", `jsonpath={.status.endpoints[0].${level}.uri}`])).stdout.trim();
    expect(await uri("servicebinding", "greeter-service-development", "public")).toBe("https://development.choreoapis.localhost/default/greeter-service/greeter");
    expect(await uri("servicebinding", "greeter-service-development", "organization")).toBe("https://development.choreoapis.internal/default/greeter-service/greeter");
    expect(await uri("webapplicationbinding", "react-starter-development", "public")).toBe("https://react-starter-development.choreoapps.localhost");
  }, 120_000);
});

describe.skipIf(!referencePresent)("OpenChoreo's samples built from source, on another fresh server", () => {
  const cli = useCliHarness();
  appliesInTurn(cli, folders.filter((f) => f.startsWith("from-source/")));
});
