// `buf curl` (the binary in node_modules, from @bufbuild/buf) discovering the API through reflection.
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { repoRoot } from "./support/repo-root.js";
import { runCommand } from "./support/run-command.js";
import { startTestServer } from "./support/start-test-server.js";
import type { TestServer } from "./support/start-test-server.js";

const buf = path.join(repoRoot, "node_modules/.bin/buf");
const h2 = ["--protocol", "grpc", "--http2-prior-knowledge"];
const lines = (s: string) => s.trim().split("\n");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("buf curl", () => {
  it.each(["grpc-v1", "grpc-v1alpha"])("lists every service through reflection (%s)", async (reflectProtocol) => {
    const run = await runCommand(buf, ["curl", ...h2, "--reflect-protocol", reflectProtocol, "--list-services", server.url]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(lines(run.stdout)).toEqual(allFiles.flatMap((f) => f.services.map((s) => s.typeName)).sort());
  });

  it("lists every method, which needs every file and its imports", async () => {
    const run = await runCommand(buf, ["curl", ...h2, "--list-methods", server.url]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const methods = allFiles.flatMap((f) => f.services.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`)));
    expect(lines(run.stdout)).toEqual(methods.sort());
  });

  it.each([
    ["gRPC over HTTP/2", h2],
    ["Connect over HTTP/1.1", ["--protocol", "connect"]],
    ["gRPC-Web over HTTP/1.1", ["--protocol", "grpcweb"]],
  ])("calls health Check (%s)", async (_, flags) => {
    const run = await runCommand(buf, ["curl", ...flags, "-d", '{"service": ""}', `${server.url}/grpc.health.v1.Health/Check`]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toEqual({ status: "SERVING" });
  });

  it("reports Unauthenticated for a resource method called without a token", async () => {
    const run = await runCommand(buf, ["curl", ...h2, "-d", '{"name": "acme"}', `${server.url}/openchoreo.api.v1alpha1.OrganizationService/GetOrganization`]);
    // buf curl reports an RPC error as JSON on stderr, with its own exit code for the gRPC code.
    expect(run.code).not.toBe(0);
    expect(JSON.parse(run.stderr)).toMatchObject({ code: "unauthenticated" });
  });
});
