// Invalid configuration: the entry point says which variable is wrong and why, and exits with code 2.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServer } from "./support/spawn-server.js";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "choreo-config-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe("invalid configuration", () => {
  it.each([
    [{ CHOREO_PORT: "eighty" }, /CHOREO_PORT: must be a whole number from 0 to 65535 \(got "eighty"\)/],
    [{ CHOREO_PORT: "0", CHOREO_TLS_CERT: "cert.pem" }, /CHOREO_TLS_KEY: .*set together/],
    [
      { CHOREO_PORT: "0", CHOREO_TLS_CERT: "/nonexistent/cert.pem", CHOREO_TLS_KEY: "/nonexistent/key.pem" },
      /CHOREO_TLS_CERT: cannot read \/nonexistent\/cert\.pem \(ENOENT\)/,
    ],
  ])("%j exits 2, naming the variable", async (env, message) => {
    const server = spawnServer({ CHOREO_DATA_DIR: dataDir, ...env });
    const exit = await server.exited;
    expect(exit).toEqual({ code: 2, signal: null });
    expect(server.stderr()).toMatch(/^choreo: invalid configuration$/m);
    expect(server.stderr()).toMatch(message);
  });
});
