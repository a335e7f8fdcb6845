import { useState } from "preact/hooks";
import type { JsonObject } from "@bufbuild/protobuf";
import { useWatch } from "../live.js";
import { bindingKinds, byName, labelOf, labels, nameOf, text } from "../objects.js";
import { environmentOrder } from "../pipeline.js";
import { href } from "../route.js";
import { Empty, ErrorNote, Readiness, Section, Simulated, Table } from "../ui.js";
import { CellGraph } from "./cell-graph.js";

/** Every binding of a project (all four kinds), live. */
export function useProjectBindings(org: string, labelSelector: string): { items: JsonObject[]; error: string | undefined } {
  const watches = Object.values(bindingKinds).map((kind) => useWatch({ kind, namespace: org, labelSelector }));
  return { items: watches.flatMap((w) => w.items), error: watches.find((w) => w.error)?.error };
}

export function Project({ org, project }: { org: string; project: string }) {
  const projectObject = useWatch({ kind: "Project", namespace: org }).items.find((p) => nameOf(p) === project);
  const components = useWatch({ kind: "Component", namespace: org }).items.filter((c) => text(c, "spec.owner.projectName") === project).sort(byName);
  const environments = useWatch({ kind: "Environment", namespace: org });
  const pipelines = useWatch({ kind: "DeploymentPipeline", namespace: org });
  const bindings = useProjectBindings(org, `${labels.project}=${project}`);
  const pipeline = pipelines.items.find((p) => nameOf(p) === (text(projectObject, "spec.deploymentPipelineRef") || "default"));
  const order = environmentOrder(pipeline, environments.items);
  const [chosen, setChosen] = useState<string>();
  const environment = chosen && order.includes(chosen) ? chosen : order[0];

  const bindingOf = (component: string, env: string) => bindings.items.find((b) => labelOf(b, labels.component) === component && text(b, "spec.environment") === env);

  return (
    <>
      <h1>
        Project {project} <Readiness object={projectObject} /> <Simulated object={projectObject} />
      </h1>
      <ErrorNote error={bindings.error} />
      <Section title="Cell">
        <div role="tablist" aria-label="Environment" class="tabs">
          {order.map((env) => (
            <button
              key={env}
              type="button"
              role="tab"
              id={`tab-${env}`}
              aria-selected={env === environment}
              aria-controls="cell-panel"
              tabIndex={env === environment ? 0 : -1}
              onClick={() => setChosen(env)}
              onKeyDown={(e) => {
                const i = order.indexOf(env) + (e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0);
                const next = order[(i + order.length) % order.length];
                if (next && next !== env) {
                  setChosen(next);
                  document.getElementById(`tab-${next}`)?.focus();
                }
              }}
            >
              {env}
            </button>
          ))}
        </div>
        <div id="cell-panel" role="tabpanel" aria-labelledby={environment ? `tab-${environment}` : undefined} class="scroll">
          {environment && components.length > 0 ? (
            <CellGraph
              org={org}
              project={project}
              environment={environment}
              components={components.map((c) => ({ name: nameOf(c), type: text(c, "spec.type"), binding: bindingOf(nameOf(c), environment) }))}
            />
          ) : (
            <Empty>No components in this project.</Empty>
          )}
        </div>
      </Section>
      <Section title="Components">
        <Table columns={["Component", "Type", ...order]}>
          {components.map((c) => (
            <tr key={nameOf(c)}>
              <th scope="row">
                <a href={href.component(org, nameOf(c))}>{nameOf(c)}</a>
              </th>
              <td>{text(c, "spec.type")}</td>
              {order.map((env) => {
                const b = bindingOf(nameOf(c), env);
                return <td key={env}>{b ? <Readiness object={b} /> : <span class="muted">not deployed</span>}</td>;
              })}
            </tr>
          ))}
        </Table>
      </Section>
    </>
  );
}
