import type { JsonObject } from "@bufbuild/protobuf";
import { useWatch } from "../live.js";
import { ago, byName, nameOf, text } from "../objects.js";
import { ErrorNote, Readiness, Section, Table } from "../ui.js";

function PlaneTable({ planes }: { planes: readonly JsonObject[] }) {
  return (
    <Table columns={["Plane", "Agent", "Last heartbeat", "Version / driver", "State"]}>
      {[...planes].sort(byName).map((p) => {
        const connected = text(p, "status.agent.connected") === "true";
        const heartbeat = text(p, "status.agent.lastHeartbeatTime");
        return (
          <tr key={nameOf(p)} data-testid={`plane-${text(p, "kind")}-${nameOf(p)}`}>
            <th scope="row">{nameOf(p)}</th>
            <td>
              <span class={`badge badge-${connected ? "ok" : "bad"}`} data-testid="agent-state">
                {connected ? "Connected" : "Disconnected"}
              </span>
            </td>
            <td>{heartbeat ? <time dateTime={heartbeat} title={heartbeat}>{ago(heartbeat)}</time> : "never"}</td>
            <td>
              {text(p, "status.agent.agentVersion")} {text(p, "status.agent.driver")}
            </td>
            <td>
              <Readiness object={p} />
            </td>
          </tr>
        );
      })}
    </Table>
  );
}

/** Data and build planes with their agent's connection, as the agents' sessions record it (pushed, not polled). */
export function Planes({ org }: { org: string }) {
  const data = useWatch({ kind: "DataPlane", namespace: org });
  const build = useWatch({ kind: "BuildPlane", namespace: org });
  return (
    <>
      <h1>Planes</h1>
      <ErrorNote error={data.error ?? build.error} />
      <Section title="Data planes">
        <PlaneTable planes={data.items} />
      </Section>
      <Section title="Build planes">
        <PlaneTable planes={build.items} />
      </Section>
    </>
  );
}
