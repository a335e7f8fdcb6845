import { useWatch } from "../live.js";
import { byName, labelOf, labels, nameOf, text } from "../objects.js";
import { href } from "../route.js";
import { Empty, ErrorNote, Readiness, Section, Table } from "../ui.js";

export function Organizations() {
  const orgs = useWatch({ kind: "Organization" });
  const projects = useWatch({ kind: "Project", allNamespaces: true });
  return (
    <>
      <h1>Organizations</h1>
      <ErrorNote error={orgs.error} />
      {orgs.synced && orgs.items.length === 0 && <Empty>No organization you may read.</Empty>}
      <ul class="cards">
        {[...orgs.items].sort(byName).map((o) => {
          const mine = projects.items.filter((p) => text(p, "metadata.namespace") === nameOf(o)).sort(byName);
          return (
            <li key={nameOf(o)} class="card">
              <h2>
                <a href={href.organization(nameOf(o))}>{text(o, "metadata.annotations.openchoreo.dev/display-name") || nameOf(o)}</a>
              </h2>
              <Readiness object={o} />
              <p>{mine.length === 1 ? "1 project" : `${mine.length} projects`}</p>
              <ul class="inline">
                {mine.map((p) => (
                  <li key={nameOf(p)}>
                    <a href={href.project(nameOf(o), nameOf(p))}>{nameOf(p)}</a>
                  </li>
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function Organization({ org }: { org: string }) {
  const projects = useWatch({ kind: "Project", namespace: org });
  const components = useWatch({ kind: "Component", namespace: org });
  const environments = useWatch({ kind: "Environment", namespace: org });
  return (
    <>
      <h1>Organization {org}</h1>
      <ErrorNote error={projects.error} />
      <Section title="Projects">
        {projects.synced && projects.items.length === 0 && <Empty>No projects.</Empty>}
        <Table columns={["Project", "Components", "Pipeline", "State"]}>
          {[...projects.items].sort(byName).map((p) => (
            <tr key={nameOf(p)}>
              <th scope="row">
                <a href={href.project(org, nameOf(p))}>{nameOf(p)}</a>
              </th>
              <td>{components.items.filter((c) => text(c, "spec.owner.projectName") === nameOf(p) || labelOf(c, labels.project) === nameOf(p)).length}</td>
              <td>{text(p, "spec.deploymentPipelineRef")}</td>
              <td>
                <Readiness object={p} />
              </td>
            </tr>
          ))}
        </Table>
      </Section>
      <Section title="Environments">
        <ul class="inline">
          {[...environments.items].sort(byName).map((e) => (
            <li key={nameOf(e)}>
              {nameOf(e)} {text(e, "spec.isProduction") === "true" ? "(production)" : ""}
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}
