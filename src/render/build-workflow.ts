import { labels, type JsonObject } from "../model/index.js";
import { MANAGED_BY } from "./object-meta.js";

/** On a build's Workflow: the Build it runs, which is how the agent names its logs (`<organization>/<build>`). */
export const buildLabel = "openchoreo.dev/build";
/** The ServiceAccount a build's Workflow runs as, in its organization's build namespace. */
export const workflowServiceAccount = "workflow-sa";
/** Argo's node display names of the four steps every build template runs, in order. */
export const buildSteps = ["clone-step", "build-step", "push-step", "workload-create-step"] as const;
/** The registry images go to when the project's first environment names no DataPlane with one. */
export const defaultRegistryPrefix = "registry.localhost";

/** Where an organization's builds run in the build plane. */
export function buildNamespace(organization: string): string {
  return `openchoreo-ci-${organization}`;
}

/** The repository an image of a component is pushed to (its tag is the commit). */
export function buildImageName(registryPrefix: string, project: string, component: string): string {
  return `${registryPrefix.replace(/\/+$/, "")}/${project}-${component}`;
}

export interface BuildWorkflowInput {
  readonly organization: string;
  readonly project: string;
  readonly component: string;
  readonly buildName: string;
  readonly repository: { readonly url: string; readonly appPath: string; readonly branch?: string | undefined; readonly commit?: string | undefined };
  /** The ClusterWorkflowTemplate and its parameters, as the Build's templateRef names them. */
  readonly template: { readonly name: string; readonly parameters: readonly { readonly name: string; readonly value: string }[] };
  readonly registryPrefix: string;
  /** Cancellation is desired state: Argo stops a Workflow whose spec says so. */
  readonly cancelled: boolean;
}

/**
 * What a Build means in its build plane: the organization's build namespace with the ServiceAccount,
 * Role and RoleBinding Argo's executor needs, and the Workflow that runs the template with the
 * build's parameters. Pure: the build controller hands the result to a Release.
 */
export function renderBuildWorkflow(input: BuildWorkflowInput): JsonObject[] {
  const namespace = buildNamespace(input.organization);
  const common = { [labels.organization]: input.organization, [labels.managedBy]: MANAGED_BY };
  const scoped = { ...common, [labels.project]: input.project, [labels.component]: input.component };
  const meta = (name: string, objectLabels: Record<string, string> = common) => ({ name, namespace, labels: objectLabels });
  const fixed: [string, string][] = [
    ["project-name", input.project],
    ["component-name", input.component],
    ["git-repo", input.repository.url],
    ["branch", input.repository.branch || "main"],
    ["commit", input.repository.commit ?? ""],
    ["app-path", input.repository.appPath],
    ["image-name", buildImageName(input.registryPrefix, input.project, input.component)],
    ["build-name", input.buildName],
  ];
  const reserved = new Set(fixed.map(([name]) => name));
  // A template parameter cannot override what the build itself decides (the repository, the image).
  const parameters = [...fixed, ...input.template.parameters.filter((p) => !reserved.has(p.name)).map((p): [string, string] => [p.name, p.value])];
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: common } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(workflowServiceAccount) },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(workflowServiceAccount),
      // What Argo's emissary executor does from a step's pod: report outputs, read its own pod.
      rules: [
        { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "watch", "patch"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(workflowServiceAccount),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: workflowServiceAccount },
      subjects: [{ kind: "ServiceAccount", name: workflowServiceAccount, namespace }],
    },
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Workflow",
      metadata: meta(input.buildName, { ...scoped, [buildLabel]: input.buildName }),
      spec: {
        serviceAccountName: workflowServiceAccount,
        workflowTemplateRef: { name: input.template.name, clusterScope: true },
        arguments: { parameters: parameters.map(([name, value]) => ({ name, value })) },
        ...(input.cancelled ? { shutdown: "Terminate" } : {}),
      },
    },
  ];
}
