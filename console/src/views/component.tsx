import { useEffect, useState } from "preact/hooks";
import type { JsonObject } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { HistoryEntry } from "../../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { api } from "../api.js";
import { useWatch } from "../live.js";
import { ago, bindingKinds, field, labels, nameOf, text } from "../objects.js";
import { environmentOrder, nextSteps } from "../pipeline.js";
import { ConfirmButton, Empty, ErrorNote, Phase, Readiness, Section, Simulated, Table } from "../ui.js";
import { BuildLog } from "./build-log.js";
import { PromotionRow } from "./approvals.js";
import { Runtime } from "./runtime.js";

export function Component({ org, name }: { org: string; name: string }) {
  const component = useWatch({ kind: "Component", namespace: org }).items.find((c) => nameOf(c) === name);
  const type = text(component, "spec.type");
  const project = text(component, "spec.owner.projectName");
  const bindings = useWatch(type ? { kind: bindingKinds[type] ?? "ServiceBinding", namespace: org, labelSelector: `${labels.component}=${name}` } : null);
  const environments = useWatch({ kind: "Environment", namespace: org });
  const projects = useWatch({ kind: "Project", namespace: org });
  const pipelines = useWatch({ kind: "DeploymentPipeline", namespace: org });
  const promotions = useWatch({ kind: "Promotion", namespace: org, labelSelector: `${labels.component}=${name}` });
  const builds = useWatch({ kind: "Build", namespace: org }).items.filter((b) => text(b, "spec.owner.componentName") === name);

  const projectObject = projects.items.find((p) => nameOf(p) === project);
  const pipeline = pipelines.items.find((p) => nameOf(p) === (text(projectObject, "spec.deploymentPipelineRef") || "default"));
  const order = environmentOrder(pipeline, environments.items);
  const bindingIn = (env: string) => bindings.items.find((b) => text(b, "spec.environment") === env);

  if (!component) return <h1>Component {name}</h1>;
  return (
    <>
      <h1>
        Component {name} <Readiness object={component} /> <Simulated object={component} />
      </h1>
      <p class="muted">
        {type} in project {project}
      </p>
      <ErrorNote error={bindings.error ?? promotions.error} />
      <Section title="Environments">
        <ol class="environments">
          {order.map((env) => (
            <li key={env}>
              <EnvironmentCard org={org} project={project} component={name} env={env} binding={bindingIn(env)} next={nextSteps(pipeline, env)} />
            </li>
          ))}
        </ol>
      </Section>
      <Section title="Promotions">
        {promotions.items.length === 0 ? (
          <Empty>No promotions yet.</Empty>
        ) : (
          <ul class="rows">
            {[...promotions.items]
              .sort((a, b) => text(b, "metadata.creationTimestamp").localeCompare(text(a, "metadata.creationTimestamp")))
              .map((p) => (
                <PromotionRow key={nameOf(p)} org={org} promotion={p} />
              ))}
          </ul>
        )}
      </Section>
      <Runtime org={org} component={name} environments={order.filter((env) => bindingIn(env))} />
      <Builds org={org} project={project} component={component} builds={builds} />
      <History org={org} project={project} component={name} changed={[...bindings.items, ...promotions.items].map((o) => text(o, "metadata.resourceVersion")).join()} />
    </>
  );
}

function urlsOf(binding: JsonObject | undefined): { visibility: string; uri: string }[] {
  const list = field(binding, "status.endpoints");
  if (!Array.isArray(list)) return [];
  return (list as JsonObject[]).flatMap((e) =>
    (["public", "organization", "project"] as const).flatMap((v) => {
      const uri = text(e, `${v}.uri`);
      return uri ? [{ visibility: v, uri }] : [];
    }),
  );
}

function imagesOf(binding: JsonObject | undefined): string[] {
  const containers = field(binding, "spec.workloadSpec.containers");
  return containers && typeof containers === "object" && !Array.isArray(containers) ? Object.values(containers).map((c) => text(c as JsonObject, "image")) : [];
}

function EnvironmentCard(props: { org: string; project: string; component: string; env: string; binding: JsonObject | undefined; next: { target: string; approval: boolean }[] }) {
  const { org, project, component, env, binding } = props;
  const heading = `env-${env}`;
  return (
    <article class="env" aria-labelledby={heading} data-testid={`env-${env}`}>
      <h3 id={heading}>{env}</h3>
      {!binding ? (
        <p class="muted">Not deployed</p>
      ) : (
        <>
          <p>
            <Readiness object={binding} /> <Simulated object={binding} />
          </p>
          <dl>
            <dt>Artifact</dt>
            <dd data-testid="artifact">{text(binding, "spec.artifactName") || "—"}</dd>
            <dt>Image</dt>
            <dd class="mono">{imagesOf(binding).join(", ") || "—"}</dd>
            <dt>State</dt>
            <dd>{text(binding, "spec.releaseState")}</dd>
          </dl>
          {urlsOf(binding).length > 0 && (
            <ul class="urls" aria-label={`URLs in ${env}`}>
              {urlsOf(binding).map((u) => (
                <li key={u.uri}>
                  <span class="tag">{u.visibility}</span> <span class="mono">{u.uri}</span>
                </li>
              ))}
            </ul>
          )}
          <div class="actions">
            {props.next.map((n) => (
              <ConfirmButton
                key={n.target}
                label={`Promote to ${n.target}`}
                question={`Promote ${component}'s artifact ${text(binding, "spec.artifactName")} from ${env} to ${n.target}?${n.approval ? ` ${n.target} waits for an approver.` : ""}`}
                withComment="Reason (optional)"
                onConfirm={(reason) => api.promotions.promote({ namespace: org, projectName: project, componentName: component, sourceEnvironment: env, targetEnvironment: n.target, reason })}
              />
            ))}
            <ConfirmButton
              label={`Roll back ${env}`}
              danger
              question={`Roll ${component} in ${env} back to the artifact it ran before?`}
              withComment="Reason (optional)"
              onConfirm={(reason) => api.promotions.rollback({ namespace: org, projectName: project, componentName: component, environment: env, reason })}
            />
          </div>
        </>
      )}
    </article>
  );
}

function Builds({ org, project, component, builds }: { org: string; project: string; component: JsonObject; builds: JsonObject[] }) {
  const [selected, setSelected] = useState<string>();
  const sorted = [...builds].sort((a, b) => text(b, "metadata.creationTimestamp").localeCompare(text(a, "metadata.creationTimestamp")) || nameOf(b).localeCompare(nameOf(a)));
  const shown = selected ?? (sorted[0] ? nameOf(sorted[0]) : undefined);
  const name = nameOf(component);
  return (
    <Section
      title="Builds"
      actions={
        field(component, "spec.build") !== undefined && (
          <ConfirmButton
            label="Build now"
            question={`Build ${name} from its repository's latest commit?`}
            onConfirm={async () => {
              const r = await api.builds.triggerBuild({ namespace: org, projectName: project, componentName: name });
              if (r.build?.metadata?.name) setSelected(r.build.metadata.name);
            }}
          />
        )
      }
    >
      {sorted.length === 0 ? (
        <Empty>No builds.</Empty>
      ) : (
        <div class="builds">
          <ul class="rows" aria-label="Builds">
            {sorted.map((b) => (
              <li key={nameOf(b)}>
                <button type="button" class="link" aria-pressed={nameOf(b) === shown} onClick={() => setSelected(nameOf(b))}>
                  {nameOf(b)}
                </button>{" "}
                <Phase phase={text(b, "status.phase")} /> <span class="muted">{ago(text(b, "metadata.creationTimestamp"))}</span>
                <span class="mono small">{text(b, "status.imageStatus.image")}</span>
              </li>
            ))}
          </ul>
          {shown && <BuildLog org={org} build={shown} />}
        </div>
      )}
    </Section>
  );
}

/** The promotion history is a unary read; it is read again whenever a binding or promotion changes (seen live), never on a timer. */
function History({ org, project, component, changed }: { org: string; project: string; component: string; changed: string }) {
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!project) return;
    api.promotions.listHistory({ namespace: org, projectName: project, componentName: component }).then(
      (r) => {
        setEntries(r.entries);
        setError(undefined);
      },
      (err: Error) => setError(err.message),
    );
  }, [org, project, component, changed]);
  return (
    <Section title="History">
      <ErrorNote error={error} />
      <Table columns={["When", "Environment", "Action", "From", "Artifact", "By", "Result"]}>
        {entries.map((e, i) => (
          <tr key={i}>
            <td>{e.deployedTime ? timestampDate(e.deployedTime).toLocaleString() : ""}</td>
            <td>{e.environment}</td>
            <td>{e.action}</td>
            <td>{e.sourceEnvironment || "—"}</td>
            <td class="mono">{e.artifactName}</td>
            <td>{e.principal}</td>
            <td>{e.result}</td>
          </tr>
        ))}
      </Table>
    </Section>
  );
}

