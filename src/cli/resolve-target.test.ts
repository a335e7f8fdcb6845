import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliConfigPath, readCliConfig, writeCliConfig, type CliConfig } from "./cli-config.js";
import { resolveTarget } from "./resolve-target.js";

const dir = mkdtempSync(join(tmpdir(), "choreoctl-target-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tokenFile = join(dir, "token");
writeFileSync(tokenFile, "secret-token\n");
const config: CliConfig = {
  currentContext: "prod",
  contexts: [
    { name: "prod", server: "https://choreo.example.com/", tokenFile, namespace: "acme", insecureSkipTlsVerify: true },
    { name: "bare" },
  ],
};

describe("resolveTarget", () => {
  it("uses the current context", async () => {
    expect(await resolveTarget(config, {}, dir)).toEqual({
      server: "https://choreo.example.com",
      token: "secret-token",
      certificateAuthority: undefined,
      insecureSkipTlsVerify: true,
      namespace: "acme",
      context: "prod",
    });
  });

  it("lets flags and the environment override the context", async () => {
    writeFileSync(join(dir, "other-token"), "flag-token");
    const target = await resolveTarget(config, { server: "http://127.0.0.1:9", tokenFile: "other-token", namespace: "shop", insecureSkipTlsVerify: false }, dir);
    expect(target).toMatchObject({ server: "http://127.0.0.1:9", token: "flag-token", namespace: "shop", insecureSkipTlsVerify: false });
    expect((await resolveTarget(config, { envToken: "env-token" }, dir)).token).toBe("env-token");
  });

  it("falls back to npm start's address and the default namespace", async () => {
    expect(await resolveTarget({ contexts: [] }, {}, dir)).toMatchObject({ server: "http://127.0.0.1:8080", namespace: "default", token: undefined, context: undefined });
    expect(await resolveTarget(config, { context: "bare" }, dir)).toMatchObject({ server: "http://127.0.0.1:8080", context: "bare" });
  });

  it("names what is wrong: an unknown context, an unreadable token file, a bad URL", async () => {
    await expect(resolveTarget(config, { context: "nope" }, dir)).rejects.toThrow('context "nope" does not exist (contexts: prod, bare)');
    await expect(resolveTarget(config, { tokenFile: "missing" }, dir)).rejects.toThrow(/cannot read the token file .*missing \(--token-file\): ENOENT/);
    await expect(resolveTarget(config, { server: "127.0.0.1:8080" }, dir)).rejects.toThrow('server "127.0.0.1:8080" is not an http:// or https:// URL');
  });
});

describe("the config file", () => {
  it("is CHOREOCONFIG, else ~/.choreo/config.yaml", () => {
    expect(cliConfigPath({ CHOREOCONFIG: "/x/c.yaml" }, "/home/u")).toBe("/x/c.yaml");
    expect(cliConfigPath({}, "/home/u")).toBe("/home/u/.choreo/config.yaml");
  });

  it("round-trips, and a missing file is an empty configuration", async () => {
    const path = join(dir, "sub", "config.yaml");
    expect(await readCliConfig(path)).toEqual({ contexts: [] });
    await writeCliConfig(path, config);
    expect(await readCliConfig(path)).toEqual(config);
  });

  it("names the field at fault in a malformed file", async () => {
    const path = join(dir, "bad.yaml");
    writeFileSync(path, "contexts:\n  - name: x\n    server: ftp://nope\n    tokn: 1\n");
    await expect(readCliConfig(path)).rejects.toThrow(/config file .*bad\.yaml: contexts\.0\.server: .*; contexts\.0: .*tokn/);
    writeFileSync(path, "contexts: [");
    await expect(readCliConfig(path)).rejects.toThrow(/is not valid YAML/);
    expect(readFileSync(path, "utf8")).toBe("contexts: [");
  });
});
