import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadKubeConfig } from "./load-kube-config.js";

const kubeconfig = (clusters: Record<string, string>, users: Record<string, string>, contexts: Record<string, [string, string]>, current?: string) =>
  stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: Object.entries(clusters).map(([name, server]) => ({ name, cluster: { server, "certificate-authority": "ca.crt" } })),
    users: Object.entries(users).map(([name, token]) => ({ name, user: { token } })),
    contexts: Object.entries(contexts).map(([name, [cluster, user]]) => ({ name, context: { cluster, user } })),
    ...(current ? { "current-context": current } : {}),
  });

describe("KUBECONFIG with several files, merged as kubectl merges them", () => {
  let dir: string;
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("takes each name from the first file that defines it, and current-context from the first that sets one", () => {
    const first = file("first", kubeconfig({ prod: "https://prod.example:6443" }, { admin: "first-token" }, { ops: ["prod", "admin"] }));
    const second = file("second", kubeconfig({ prod: "https://elsewhere:6443", staging: "https://staging.example:6443" }, { admin: "second-token", ci: "ci-token" }, { ci: ["staging", "ci"] }, "ci"));
    const third = file("third", kubeconfig({}, {}, {}, "ops"));
    const merged = loadKubeConfig([first, second, third]);
    expect(merged.currentContext).toBe("ci");
    expect(merged.getCurrentCluster()?.server).toBe("https://staging.example:6443");
    expect(merged.getCurrentUser()?.token).toBe("ci-token");
    // A name both files define: the first file's entry, whole.
    expect(merged.getCluster("prod")?.server).toBe("https://prod.example:6443");
    expect(merged.getUser("admin")?.token).toBe("first-token");
    expect(merged.contexts.map((c) => c.name).sort()).toEqual(["ci", "ops"]);
  });

  it("skips a file that does not exist, and resolves a file's relative paths from that file's directory", () => {
    const only = file("only", kubeconfig({ dev: "https://dev.example:6443" }, { me: "t" }, { dev: ["dev", "me"] }, "dev"));
    const merged = loadKubeConfig([path.join(dir, "missing"), only]);
    expect(merged.getCurrentCluster()?.caFile).toBe(path.join(dir, "ca.crt"));
  });

  it("says what is wrong when no file exists, no file chooses a context, or a file is not a kubeconfig", () => {
    expect(() => loadKubeConfig([path.join(dir, "a"), path.join(dir, "b")])).toThrow(/KUBECONFIG names no file that exists/);
    const noContext = file("none", kubeconfig({ dev: "https://dev.example:6443" }, { me: "t" }, { dev: ["dev", "me"] }));
    expect(() => loadKubeConfig([noContext])).toThrow(/no kubeconfig file sets current-context/);
    const broken = file("broken", "clusters: [unclosed");
    expect(() => loadKubeConfig([broken, noContext])).toThrow(new RegExp(`cannot read the kubeconfig ${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });
});
