import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { choreoctlInProcess } from "../../test/cli/support/in-process-choreoctl.js";

const dir = mkdtempSync(join(tmpdir(), "choreoctl-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs choreoctl in this process, as bin/choreoctl.js would, with its own config file. */
const choreoctl = (args: string[], config = "config.yaml") => choreoctlInProcess(args, dir, { config });

// Nothing listens on ports 1 and 2: the error says which server a command dialled.
const unreachable = (port: number) => new RegExp(`^error: cannot reach the control plane at http://127\\.0\\.0\\.1:${port}: `);

describe("runChoreoctl", () => {
  it("prints help for no command, for --help and for help COMMAND", async () => {
    const [none, top, get, sub] = await Promise.all([choreoctl([]), choreoctl(["--help"]), choreoctl(["help", "get"]), choreoctl(["config", "set-context", "-h"])]);
    expect(none).toEqual(top);
    expect(top.stdout).toMatch(/^Usage: choreoctl \[flags\] COMMAND \[args\]$/m);
    expect(get.stdout).toMatch(/^Usage: choreoctl get KIND \[NAME\.\.\.\]/m);
    expect(get.stdout).toMatch(/^ {2}-o, --output FORMAT\s+yaml, json, wide, name or jsonpath=TEMPLATE/m);
    expect(sub.stdout).toMatch(/^Usage: choreoctl config set-context NAME /m);
    expect([top.code, get.code, sub.code]).toEqual([0, 0, 0]);
  });

  it("answers a wrong command line with exit 2 and where to read more", async () => {
    expect(await choreoctl(["bogus"])).toEqual({ code: 2, stdout: "", stderr: 'error: unknown command "bogus"\nRun "choreoctl --help" for usage.\n' });
    expect(await choreoctl(["config", "nope"])).toMatchObject({ code: 2, stderr: 'error: unknown subcommand of config "nope"\nRun "choreoctl config --help" for usage.\n' });
    expect(await choreoctl(["get", "--bogus"])).toMatchObject({ code: 2, stderr: 'error: unknown flag --bogus\nRun "choreoctl get --help" for usage.\n' });
    expect(await choreoctl(["apply"])).toMatchObject({ code: 2, stderr: 'error: apply needs -f FILE, -f DIR or -f - (stdin)\nRun "choreoctl apply --help" for usage.\n' });
    expect(await choreoctl(["apply", "-f", "x.yaml", "--timeout", "2m"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: --timeout goes with --wait\n/) });
    expect(await choreoctl(["get", "-o", "xml", "components"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: unknown output format "xml"/) });
  });

  it("names an unknown kind and points at api-resources", async () => {
    expect(await choreoctl(["get", "widgets"])).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: unknown kind "widgets"\n"choreoctl api-resources" lists the kinds and their short names.\n',
    });
    const kinds = await choreoctl(["api-resources"]);
    expect(kinds.stdout).toMatch(/^servicebindings\s+openchoreo\.dev\/v1alpha1\s+true\s+ServiceBinding$/m);
    expect(kinds.stdout).toMatch(/^components\s+comp,comps\s+openchoreo\.dev\/v1alpha1\s+true\s+Component$/m);
  });

  it("names a missing path, and the file and line of YAML it cannot parse, before dialling anything", async () => {
    expect(await choreoctl(["apply", "-f", "missing.yaml"])).toMatchObject({ code: 1, stderr: 'error: the path "missing.yaml" does not exist\n' });
    writeFileSync(join(dir, "broken.yaml"), "kind: Component\nmetadata: [unclosed\n");
    const broken = await choreoctl(["apply", "-f", "broken.yaml"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^error: broken\.yaml: document 1: not valid YAML or JSON \(line \d+\): /);
  });

  it("keeps contexts in the config file; --context and --server override the current one", async () => {
    const steps: [string[], string][] = [
      [["config", "set-context", "one", "--server", "http://127.0.0.1:1", "-n", "shop", "--token-file", "token"], 'Context "one" created.\n'],
      [["config", "set-context", "two", "--server", "http://127.0.0.1:2"], 'Context "two" created.\n'],
      [["config", "set-context", "one", "--insecure-skip-tls-verify"], 'Context "one" modified.\n'],
      [["config", "use-context", "one"], 'Switched to context "one".\n'],
      [["config", "current-context"], "one\n"],
      [["config", "get-contexts", "-o", "name"], "one\ntwo\n"],
    ];
    for (const [args, stdout] of steps) expect(await choreoctl(args, "contexts.yaml")).toEqual({ code: 0, stdout, stderr: "" });
    const table = (await choreoctl(["config", "get-contexts"], "contexts.yaml")).stdout.split("\n");
    expect(table[0]).toMatch(/^CURRENT\s+NAME\s+SERVER\s+NAMESPACE\s+AUTH$/);
    expect(table[1]).toMatch(/^\*\s+one\s+http:\/\/127\.0\.0\.1:1\s+shop\s+token file \/\S+$/);
    expect(table[2]).toMatch(/^\s+two\s+http:\/\/127\.0\.0\.1:2\s+default\s+none$/);

    // The context's token file is read before dialling: it does not exist yet.
    expect((await choreoctl(["get", "components"], "contexts.yaml")).stderr).toMatch(/^error: cannot read the token file .*token \(context "one" tokenFile\): ENOENT/);
    const [viaContext, viaServer] = await Promise.all([
      choreoctl(["get", "components", "--context", "two"], "contexts.yaml"),
      choreoctl(["get", "components", "--context", "two", "--server", "http://127.0.0.1:1"], "contexts.yaml"),
    ]);
    expect(viaContext.stderr).toMatch(unreachable(2));
    expect(viaServer.stderr).toMatch(unreachable(1));
    expect(await choreoctl(["config", "use-context", "three"], "contexts.yaml")).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: no context named "three"/) });
    expect(await choreoctl(["get", "components", "--context", "three"], "contexts.yaml")).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: context "three" does not exist \(contexts: one, two\)\n/),
    });
  });

  it("says the current context is not set, and rejects a context that is not a URL", async () => {
    expect(await choreoctl(["config", "current-context"], "empty.yaml")).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: current-context is not set\n/) });
    expect(await choreoctl(["config", "set-context", "x", "--server", "ftp://x"], "empty.yaml")).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: config file .*empty\.yaml: contexts\.0\.server: /),
    });
  });

  it("dials the default server without a context, and --verbose adds the code", async () => {
    const result = await choreoctl(["get", "components", "--server", "http://127.0.0.1:1", "--verbose"], "none.yaml");
    expect(result.code).toBe(1);
    const [first, hint, details] = result.stderr.split("\n");
    expect(first).toMatch(unreachable(1));
    expect(hint).toMatch(/^Is it running\? "npm start" serves http:\/\/127\.0\.0\.1:8080/);
    expect(details).toMatch(/^ {2}code: Unavailable$/);
  });
});
