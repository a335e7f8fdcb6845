import { useWatch } from "../live.js";
import { ago, text } from "../objects.js";
import { Empty, ErrorNote, Table } from "../ui.js";

/** The organization's events, newest first, as they happen. */
export function Events({ org }: { org: string }) {
  const events = useWatch({ kind: "Event", namespace: org });
  const when = (e: (typeof events.items)[number]) => text(e, "status.lastTimestamp") || text(e, "metadata.creationTimestamp");
  const sorted = [...events.items].sort((a, b) => when(b).localeCompare(when(a))).slice(0, 200);
  return (
    <>
      <h1>Events</h1>
      <ErrorNote error={events.error} />
      {events.synced && sorted.length === 0 && <Empty>No events.</Empty>}
      <Table columns={["When", "Type", "Object", "Reason", "Message"]}>
        {sorted.map((e) => (
          <tr key={text(e, "metadata.name")}>
            <td>{ago(when(e))}</td>
            <td>{text(e, "spec.type")}</td>
            <td>
              {text(e, "spec.involvedObject.kind")} {text(e, "spec.involvedObject.name")}
            </td>
            <td>{text(e, "spec.reason")}</td>
            <td>{text(e, "spec.message")}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}
