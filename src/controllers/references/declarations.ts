import { APIClassSchema } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { APISchema, type API } from "../../../gen/openchoreo/model/v1alpha1/api_pb.js";
import { BuildPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { ComponentSchema } from "../../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { ConfigurationGroupSchema } from "../../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import { DataPlaneSchema } from "../../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { DeployableArtifactSchema } from "../../../gen/openchoreo/model/v1alpha1/deployable_artifact_pb.js";
import { DeploymentPipelineSchema, type DeploymentPipeline } from "../../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";
import { DeploymentSchema } from "../../../gen/openchoreo/model/v1alpha1/deployment_pb.js";
import { DeploymentTrackSchema } from "../../../gen/openchoreo/model/v1alpha1/deployment_track_pb.js";
import { EnvironmentSchema, type Environment } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { GitCommitRequestSchema } from "../../../gen/openchoreo/model/v1alpha1/git_commit_request_pb.js";
import { ProjectSchema, type Project } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { ScheduledTaskClassSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_class_pb.js";
import { ScheduledTaskSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_pb.js";
import { ServiceClassSchema } from "../../../gen/openchoreo/model/v1alpha1/service_class_pb.js";
import { ServiceSchema } from "../../../gen/openchoreo/model/v1alpha1/service_pb.js";
import { WebApplicationClassSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_class_pb.js";
import { WebApplicationSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_pb.js";
import { WorkloadSchema } from "../../../gen/openchoreo/model/v1alpha1/workload_pb.js";
import type { PlaneAgentStatus } from "../../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { ResourceObject } from "../../store/index.js";
import type { ConditionInput } from "../conditions.js";
import { ownerOf, ownerProjectIndex, type Reference, type ReferenceDeclaration } from "./reference-controller.js";

const present = (...names: (string | undefined)[]): string[] => names.filter((n): n is string => !!n);
const specOf = <T>(object: ResourceObject) => (object.spec ?? {}) as T;

export const component: Reference = { type: "ComponentResolved", schema: ComponentSchema, names: (o) => present(ownerOf(o)?.componentName) };
export const project: Reference = { type: "ProjectResolved", schema: ProjectSchema, names: (o) => present(ownerOf(o)?.projectName) };
export const classOf = (schema: ReferenceDeclaration["schema"]): Reference => ({
  type: "ClassResolved",
  schema,
  names: (o) => present(specOf<{ className?: string }>(o).className),
});
export const environmentOf = (field: "environment" | "environmentName"): Reference => ({
  type: "EnvironmentResolved",
  schema: EnvironmentSchema,
  names: (o) => present(specOf<Record<string, string | undefined>>(o)[field]),
});
export const artifact: Reference = {
  type: "ArtifactResolved",
  schema: DeployableArtifactSchema,
  names: (o) => present(specOf<{ artifactName?: string }>(o).artifactName),
};

/** A plane is Ready while its agent is connected (the plane sessions record it in status.agent). */
const agentConnected = (plane: ResourceObject): ConditionInput => {
  const agent = (plane.status as { agent?: PlaneAgentStatus } | undefined)?.agent;
  if (agent?.connected) {
    return { type: "AgentConnected", status: "True", reason: "Connected", message: `agent ${agent.agentVersion ?? ""} (${agent.driver ?? "unknown"} driver) connected`.replace("  ", " ") };
  }
  const why = agent?.disconnectReason ? `: ${agent.disconnectReason}` : agent ? "" : ": register the plane and start its agent";
  return { type: "AgentConnected", status: "False", reason: "AgentNotConnected", message: `no agent of this plane is connected${why}` };
};

const notActedOn = (kind: string): ConditionInput => ({
  type: "ActedOn",
  status: "False",
  reason: "CompatibilityOnly",
  message: `${kind} is stored and validated for compatibility with OpenChoreo v0.3; no controller acts on it (Bindings carry deployments)`,
});

/** Every kind checked by the generic reference controller, with what it needs. */
export const referenceDeclarations: readonly ReferenceDeclaration[] = [
  {
    schema: ProjectSchema,
    references: [{ type: "PipelineResolved", schema: DeploymentPipelineSchema, names: (o) => present((o as Project).spec?.deploymentPipelineRef) }],
    rollup: { type: "ComponentsReady", schema: ComponentSchema, memberOf: ownerProjectIndex },
  },
  { schema: EnvironmentSchema, references: [{ type: "DataPlaneResolved", schema: DataPlaneSchema, names: (o) => present((o as Environment).spec?.dataPlaneRef) }] },
  {
    schema: DeploymentPipelineSchema,
    references: [
      {
        type: "EnvironmentsResolved",
        schema: EnvironmentSchema,
        names: (o) => [...new Set((o as DeploymentPipeline).spec?.promotionPaths.flatMap((p) => present(p.sourceEnvironmentRef, ...p.targetEnvironmentRefs.map((t) => t.name))) ?? [])],
      },
    ],
  },
  {
    schema: DataPlaneSchema,
    references: [],
    notice: agentConnected,
    readyReason: "AgentConnected",
  },
  {
    schema: BuildPlaneSchema,
    references: [],
    notice: agentConnected,
    readyReason: "AgentConnected",
  },
  { schema: ServiceClassSchema, references: [], readyReason: "Accepted" },
  { schema: WebApplicationClassSchema, references: [], readyReason: "Accepted" },
  { schema: ScheduledTaskClassSchema, references: [], readyReason: "Accepted" },
  { schema: APIClassSchema, references: [], readyReason: "Accepted" },
  { schema: ConfigurationGroupSchema, references: [], readyReason: "Accepted" },
  { schema: WorkloadSchema, references: [project, component] },
  { schema: ServiceSchema, references: [project, component, classOf(ServiceClassSchema)] },
  { schema: WebApplicationSchema, references: [project, component, classOf(WebApplicationClassSchema)] },
  { schema: ScheduledTaskSchema, references: [project, component, classOf(ScheduledTaskClassSchema)] },
  { schema: DeployableArtifactSchema, references: [project, component], readyReason: "Snapshot" },
  { schema: APISchema, references: [project, component, environmentOf("environmentName"), { type: "ClassResolved", schema: APIClassSchema, names: (o) => present((o as API).spec?.className) }] },
  { schema: DeploymentSchema, references: [], notice: notActedOn("Deployment") },
  { schema: DeploymentTrackSchema, references: [], notice: notActedOn("DeploymentTrack") },
  { schema: GitCommitRequestSchema, references: [], notice: notActedOn("GitCommitRequest") },
];
