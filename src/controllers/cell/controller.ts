import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { EnvironmentSchema } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ProjectSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { ReleaseSchema } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import { controllerFor, generationChanged, specOrMetadataChanged, type Client, type ControllerDefinition, type MapFn } from "../../core/index.js";
import { labels } from "../../model/index.js";
import { cellNamespace, dataPlaneSettings, renderCell, type ComponentBinding } from "../../render/index.js";
import { findObject } from "../find-object.js";
import { isDeleting } from "../finalizers.js";
import { ownerOf } from "../references/reference-controller.js";
import { applyRelease, desiredRelease } from "../release/desired-release.js";
import { componentBindingKinds } from "../release/environment-inputs.js";

/** A binding came, went or moved: its project's cells. */
const toProject: MapFn = (binding) => {
  const name = ownerOf(binding)?.projectName;
  return name ? [{ namespace: binding.metadata?.namespace ?? "", name }] : [];
};

const toNamespaceProjects: MapFn = async (object, reader) => {
  const namespace = object.metadata?.namespace ?? "";
  return (await reader.list(ProjectSchema, { namespace })).map((p) => ({ namespace, name: p.metadata?.name ?? "" }));
};

/**
 * A project's cells: one cell Release per environment the project has a deployed (not undeployed)
 * binding in, holding the cell's Namespace and network policy, owned by the project. A cell whose
 * last binding left is deleted, and its plane's agent prunes the namespace.
 */
export function cellController(): ControllerDefinition {
  // A cell renders from specs only (bindings' environments and release states, planes' settings):
  // status writes, a binding's with every delivery, need not wake it.
  const specs = { predicates: [generationChanged] };
  // Nor do the project's status (its components' readiness) and the cell Releases' (their delivery).
  let builder = controllerFor(ProjectSchema, specs).owns(ReleaseSchema, { predicates: [specOrMetadataChanged] }).watches(EnvironmentSchema, toNamespaceProjects, specs).watches(DataPlaneSchema, toNamespaceProjects, specs);
  for (const { binding } of componentBindingKinds) builder = builder.watches(binding, toProject, specs);
  return builder.named("cell").build(async (request, { client }) => {
    const project = await findObject(client, ProjectSchema, request);
    if (!project || isDeleting(project)) return {};
    const { namespace, name } = request;
    const environments = await deployedEnvironments(client, namespace, name);
    const wanted = new Set<string>();
    for (const environmentName of environments) {
      const environment = await findObject(client, EnvironmentSchema, { namespace, name: environmentName });
      const dataPlane = environment && (await findObject(client, DataPlaneSchema, { namespace, name: environment.spec?.dataPlaneRef ?? "" }));
      // The bindings say why when their environment or plane is missing; the cell waits for them.
      if (!dataPlane) continue;
      const cell = renderCell({ organization: namespace, project: name, environment: environmentName, settings: dataPlaneSettings(dataPlane) });
      const releaseName = cellNamespace(namespace, name, environmentName);
      wanted.add(releaseName);
      const target = {
        name: releaseName,
        namespace,
        environment: environmentName,
        project: name,
        component: "",
        planeKind: "DataPlane" as const,
        planeName: dataPlane.metadata?.name ?? "",
        owner: project,
      };
      await applyRelease(client, desiredRelease(target, cell.manifests));
    }
    for (const release of await client.list(ReleaseSchema, { namespace, ownerUid: project.metadata?.uid })) {
      const releaseName = release.metadata?.name ?? "";
      if (!wanted.has(releaseName) && release.metadata?.labels[labels.managedBy] === "release-controller") {
        await client.delete(ReleaseSchema, { namespace, name: releaseName });
      }
    }
    return {};
  });
}

/** Environments where the project has a binding that is not undeployed. */
async function deployedEnvironments(client: Client, namespace: string, project: string): Promise<Set<string>> {
  const environments = new Set<string>();
  for (const { binding: schema } of componentBindingKinds) {
    for (const binding of (await client.list(schema, { namespace })) as ComponentBinding[]) {
      if (binding.spec?.owner?.projectName !== project || binding.spec.releaseState === "Undeploy") continue;
      if (binding.spec.environment) environments.add(binding.spec.environment);
    }
  }
  return environments;
}
