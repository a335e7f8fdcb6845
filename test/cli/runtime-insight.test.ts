// `choreoctl logs` and `choreoctl tree` in the embedded mode, as the README's quick start leaves it:
// the real server, its embedded data-plane agent (local driver, simulation on), and the CLI as users run it.
import { describe, expect, it } from "vitest";
import { readMetrics } from "../planes/support/read-metrics.js";
import { useCliHarness } from "./support/cli-harness.js";

const cli = useCliHarness();
const simulatedLine = /^hello-service-\S+-[0-9a-f]{10}-[0-9a-f]{5} main \[simulated\] /m;

describe("runtime insight in the embedded mode", () => {
  it("prints the simulated pods' lines, each prefixed with its pod and container, and follows new ones", async () => {
    const applied = await cli().run(["apply", "-f", "samples/hello-service", "--wait", "--timeout", "2m"], { timeoutMs: 150_000 });
    expect(applied.code, applied.stderr).toBe(0);

    // The pod starts a moment after the Deployment is applied; its first line says it is simulated.
    let logs = await cli().run(["logs", "hello-service", "--env", "development"]);
    for (let i = 0; i < 50 && !simulatedLine.test(logs.stdout); i++) {
      await new Promise((r) => setTimeout(r, 200));
      logs = await cli().run(["logs", "hello-service", "--env", "development"]);
    }
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^hello-service-\S+ main \[simulated\] container main of pod hello-service-\S+ started \(no process runs: this plane is simulated\)$/m);
    for (const l of logs.stdout.trim().split("\n")) expect(l).toMatch(simulatedLine);

    const withTimes = await cli().run(["logs", "hello-service", "--env", "development", "--tail", "1", "--timestamps"]);
    expect(withTimes.stdout).toMatch(/^hello-service-\S+ main \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z \[simulated\] /);
    expect(withTimes.stdout.trim().split("\n")).toHaveLength(1);

    // What the embedded agent sent and was told, counted by the server per message kind.
    const plane = { plane_kind: "DataPlane", plane: "default/default" };
    const count = async (name: string, message: string) => (await readMetrics(cli().url)).sum(name, { ...plane, message });
    const cancellations = await count("choreo_plane_agent_sent_messages_total", "subscriptionCancellation");
    const following = cli().start(["logs", "hello-service", "--env", "development", "-f", "--tail", "1"]);
    try {
      await following.waitFor(simulatedLine, 15_000);
      const first = following.stdout();
      // A line the pod writes after the follow began (every 2 s in the simulation).
      await following.waitFor(/simulated line \d+\)\n[\s\S]*simulated line \d+\)\n/, 15_000);
      expect(following.stdout().length).toBeGreaterThan(first.length);
    } finally {
      // Ctrl-C, as a user stops it (130, as for every interrupted command).
      expect(await following.stop()).toBe(130);
    }
    // The follower went away mid-stream: the server told the agent to stop reading, and no more log
    // batches come (several of the simulation's 2 s log intervals pass).
    for (let i = 0; i < 50 && (await count("choreo_plane_agent_sent_messages_total", "subscriptionCancellation")) === cancellations; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await count("choreo_plane_agent_sent_messages_total", "subscriptionCancellation")).toBe(cancellations + 1);
    const batches = await count("choreo_plane_agent_received_messages_total", "logBatch");
    await new Promise((r) => setTimeout(r, 5000));
    expect(await count("choreo_plane_agent_received_messages_total", "logBatch")).toBe(batches);
  }, 240_000);

  it("shows the live objects indented by ownership, each marked simulated, and a component's pods in describe", async () => {
    const tree = await cli().run(["tree", "hello-service", "--env", "development"]);
    expect(tree.code, tree.stderr).toBe(0);
    const lines = tree.stdout.split("\n");
    expect(lines[0]).toMatch(/^OBJECT\s+HEALTH\s+AGE\s+SIMULATED\s+DETAIL$/);
    expect(tree.stdout).toMatch(/^Deployment\/hello-service-\S+\s+Healthy\s+\S+\s+yes\s/m);
    expect(tree.stdout).toMatch(/^ {2}ReplicaSet\/hello-service-\S+\s+Healthy\s+\S+\s+yes\s+Simulated: 1\/1 replicas ready/m);
    expect(tree.stdout).toMatch(/^ {4}Pod\/hello-service-\S+\s+Healthy\s+\S+\s+yes\s+Running 1\/1 ready, 0 restarts/m);
    expect(tree.stdout).toMatch(/^Service\/hello-service-\S+\s+Healthy\s/m);

    const watching = cli().start(["tree", "hello-service", "--env", "development", "-w"]);
    try {
      await watching.waitFor(/Pod\/hello-service-/, 15_000);
    } finally {
      expect(await watching.stop()).toBe(130);
    }

    const describe = await cli().run(["describe", "component", "hello-service"]);
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(/^Pods:\n {2}ENVIRONMENT\s+READY\s+RESTARTS\s+NOTE\n {2}development\s+1\/1\s+0\s+simulated$/m);
  }, 120_000);

  it("says why when the component is not deployed to the environment", async () => {
    const result = await cli().run(["logs", "hello-service", "--env", "production"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/component hello-service is not deployed to environment production/);
  });
});
