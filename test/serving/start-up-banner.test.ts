// `npm start`'s banner and logs, as a person reads them: what is served, the data, the agents, what is
// simulated, the next command; JSON logs into a pipe, text with CHOREO_LOG_FORMAT=pretty.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { spawnServer, waitForListening, type SpawnedServer } from "./support/spawn-server.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "choreo-banner-"));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Starts `npm start`'s entry point, waits for its banner (written at once, after listening). */
async function started(name: string, env: Record<string, string> = {}): Promise<{ server: SpawnedServer; url: string; banner: string[] }> {
  const server = spawnServer({ CHOREO_PORT: "0", CHOREO_DATA_DIR: path.join(tmp, name), ...env });
  const { url } = await waitForListening(server, 60_000);
  return { server, url, banner: server.stderr().split("\n").filter((l) => l.startsWith("choreo: ")) };
}

async function stop(server: SpawnedServer): Promise<void> {
  server.child.kill("SIGTERM");
  await server.exited;
}

/** Whether the router answers a service: an unrouted path is a 404; a routed one never is. */
async function routed(url: string, service: (typeof allFiles)[number]["services"][number]): Promise<boolean> {
  const response = await fetch(`${url}/${service.typeName}/${service.methods[0]!.name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  await response.arrayBuffer();
  return response.status !== 404;
}

describe("the start-up banner", () => {
  it("lists exactly the services the server routes, then the data, the agents, what is simulated and the next command", async () => {
    const { server, url, banner } = await started("fresh");
    try {
      const services = banner.find((l) => l.startsWith("choreo: services: "))?.slice("choreo: services: ".length).split(", ");
      const known = allFiles.flatMap((f) => f.services);
      const answered: string[] = [];
      for (const service of known) if (await routed(url, service)) answered.push(service.typeName);
      expect(answered.length).toBeGreaterThan(5);
      expect(services?.slice().sort()).toEqual(answered.sort());

      expect(banner).toContainEqual(`choreo: data: ${path.join(tmp, "fresh")} (SQLite); created Organization/default, DataPlane/default, BuildPlane/default`);
      expect(banner).toContainEqual(expect.stringMatching(/^choreo: agents: DataPlane default\/default, BuildPlane default\/default \(local driver/));
      expect(banner).toContainEqual(expect.stringMatching(/^choreo: simulated: no container runs here; .* say Simulated=True \(CHOREO_AGENT_SIMULATION=0/));
      const tokenFile = path.join(tmp, "fresh", "admin.token");
      expect(banner).toContainEqual(`choreo: access: every call needs an API token; the platform admin's is in ${tokenFile} (created now, readable by you only)`);
      expect(banner).toContainEqual("choreo: open without a token: health, reflection, metrics (CHOREO_OPEN_ENDPOINTS)");
      expect(banner.at(-1)).toBe(`choreo: next: npx choreoctl config set-context local --server ${url} --token-file ${tokenFile} && npx choreoctl config use-context local, then docs/quickstart.sh`);
      // Where the token is, never what: not in the banner, not in the logs; the file is the owner's only.
      const token = (await readFile(tokenFile, "utf8")).trim();
      expect(token).toMatch(/^choreo_[A-Za-z0-9_-]{43}$/);
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      expect(server.stderr() + server.stdout()).not.toContain(token);
      // Nothing stale: everything listed is served (above), and nothing claims to be unimplemented.
      expect(banner.join("\n")).not.toMatch(/Unimplemented/i);
      // Into a pipe, the logs are JSON lines.
      const lines = server.stdout().trim().split("\n");
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      await stop(server);
    }
  }, 120_000);

  it("prints text logs with CHOREO_LOG_FORMAT=pretty, and says when no agent runs", async () => {
    const { server, banner } = await started("pretty", { CHOREO_LOG_FORMAT: "pretty", CHOREO_EMBEDDED_AGENTS: "0" });
    try {
      expect(banner).toContainEqual(expect.stringMatching(/^choreo: agents: none started/));
      expect(banner).toContainEqual(expect.stringMatching(/^choreo: simulated: nothing \(no embedded agent runs/));
      await expect.poll(() => server.stdout(), { timeout: 10_000 }).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening$/m);
      expect(server.stdout()).not.toMatch(/^\{"level"/m);
    } finally {
      await stop(server);
    }
  }, 120_000);
});
