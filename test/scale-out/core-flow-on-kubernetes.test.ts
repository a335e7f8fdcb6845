// The core flow on CHOREO_STORE=kubernetes, in every test run: `npm start`'s entry point with its
// embedded plane agents keeps its state as custom resources in a Kubernetes API double with the
// install's CRDs (which validate and prune what the server writes, as a cluster's API server does),
// and choreoctl applies a sample, waits for it to be Ready, and promotes it. Every Release the
// controllers write must pass the Release CRD, including those that deliver no component (a cell's,
// a build plane's templates); the audit log answers from the cluster. The other end-to-end suites
// run this way with CHOREO_TEST_STORE=kubernetes.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useCliHarness } from "../cli/support/cli-harness.js";
import { repoRoot } from "../serving/support/repo-root.js";

const cli = useCliHarness({ CHOREO_TEST_STORE: "kubernetes" });

interface ReleaseJson {
  metadata: { name: string; labels: Record<string, string> };
  spec: { environmentName: string; owner: { projectName: string; componentName: string } };
}

describe("the core flow on the Kubernetes store", () => {
  it("applies a sample, waits until it is Ready, and promotes it to staging", async () => {
    const version = await cli().run(["version"]);
    expect(version.stdout).toMatch(/reachable, health SERVING/);

    const applied = await cli().run(["apply", "-f", join(repoRoot, "samples", "hello-service"), "--wait", "--timeout", "120s"], { timeoutMs: 150_000 });
    expect(applied.code, applied.stderr).toBe(0);

    const promoted = await cli().run(["promote", "hello-service", "--from", "development", "--to", "staging", "--wait", "--timeout", "120s"], { timeoutMs: 150_000 });
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/Succeeded \(environment "staging" runs artifact "hello-service-[0-9a-f]{8}"/);

    // The audit log is in the cluster too (AuditBatch objects): the apply is on record.
    const audit = await cli().run(["audit", "--kind", "component"]);
    expect(audit.stdout).toMatch(/ResourceService\/Apply\s+Component\/default\/hello-service\s+ok/);

    const status = await cli().run(["status"]);
    expect(status.stdout).toMatch(/^hello-service\s+default\s+Service\s+Ready\s/m);

    // Read back from the cluster: each Release names an owner, as the CRD requires.
    const releases = (JSON.parse((await cli().run(["get", "releases", "-o", "json"])).stdout) as { items: ReleaseJson[] }).items;
    const byPurpose = (predicate: (r: ReleaseJson) => boolean) => releases.filter(predicate).map((r) => r.spec.environmentName).sort();
    expect(byPurpose((r) => r.metadata.labels["openchoreo.dev/component"] === "hello-service")).toEqual(["development", "staging"]);
    // The project's cells: their Releases name the project and themselves (they deliver no component).
    const cells = releases.filter((r) => r.metadata.name.startsWith("dp-default-default-"));
    expect(cells.map((r) => r.spec.environmentName).sort()).toEqual(["development", "staging"]);
    for (const cell of cells) expect(cell.spec.owner).toEqual({ projectName: "default", componentName: cell.metadata.name });
    const templates = releases.filter((r) => r.metadata.labels["openchoreo.dev/plane-kind"] === "BuildPlane" && r.spec.environmentName === "build");
    expect(templates.map((r) => r.spec.owner)).toEqual([{ projectName: templates[0]?.metadata.name, componentName: templates[0]?.metadata.name }]);
  }, 300_000);
});
