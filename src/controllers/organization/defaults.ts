import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { APIClassSchema } from "../../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import { DeploymentPipelineSchema } from "../../../gen/openchoreo/model/v1alpha1/deployment_pipeline_pb.js";
import { EnvironmentSchema } from "../../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { ProjectSchema } from "../../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { ScheduledTaskClassSchema } from "../../../gen/openchoreo/model/v1alpha1/scheduled_task_class_pb.js";
import { ServiceClassSchema } from "../../../gen/openchoreo/model/v1alpha1/service_class_pb.js";
import { WebApplicationClassSchema } from "../../../gen/openchoreo/model/v1alpha1/web_application_class_pb.js";
import { labels } from "../../model/index.js";

/** One object an organization starts with, and the schema to write it with. */
export interface DefaultObject<D extends DescMessage = DescMessage> {
  readonly schema: D;
  readonly object: MessageShape<D>;
}

const resources = { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "400m", memory: "256Mi" } };

/** A main container with modest requests and limits, as OpenChoreo's default classes have. */
const deploymentTemplate = { replicas: 1, template: { spec: { containers: [{ name: "main", resources }] } } };

const environments = [
  { name: "development", displayName: "Development", dnsPrefix: "dev", isProduction: false },
  { name: "staging", displayName: "Staging", dnsPrefix: "staging", isProduction: false },
  { name: "production", displayName: "Production", dnsPrefix: "prod", isProduction: true },
];

/**
 * The APIClasses of OpenChoreo v0.3's default install: one without policies and one per policy kind,
 * which its API management samples name. The JWKS address is the install's identity provider.
 */
const apiClasses = [
  { name: "default", displayName: "Default API Class", description: "No policies: a starting point", defaults: {} },
  {
    name: "default-with-jwt-auth",
    displayName: "JWT Authentication",
    description: "Requires a JWT issued by the platform's identity provider",
    defaults: {
      authentication: {
        type: "jwt",
        jwt: {
          jwks: "http://identity-provider.openchoreo-identity-system.svc.cluster.local:8090/oauth2/jwks",
          issuer: "https://openchoreo.example.com",
        },
      },
    },
  },
  {
    name: "default-with-cors",
    displayName: "CORS",
    description: "Allows browser calls from the example origins",
    defaults: {
      cors: {
        allowOrigins: ["https://example.com", "https://app.example.com"],
        allowMethods: ["GET", "POST", "PUT", "DELETE"],
        allowHeaders: ["Content-Type", "Authorization"],
        exposeHeaders: ["X-Request-ID"],
        maxAge: 86400,
      },
    },
  },
  {
    name: "default-with-rate-limit",
    displayName: "Rate Limit",
    description: "10 requests a minute",
    defaults: { rateLimit: { requests: 10, window: "1m" } },
  },
  {
    name: "default-with-circuit-breaker",
    displayName: "Circuit Breaker",
    description: "Bounds connections, pending and parallel requests to the backend",
    defaults: {
      circuitBreaker: { enabled: true, maxConnections: 50, maxParallelRequests: 50, maxParallelRetries: 1, maxPendingRequests: 20 },
    },
  },
];

/**
 * What every organization starts with, in its namespace: the default project, the development →
 * staging → production pipeline and its environments on the `default` data plane, and the default
 * classes. The same facts as OpenChoreo v0.3's default install.
 */
export function organizationDefaults(organization: string): DefaultObject[] {
  const meta = (name: string, displayName: string, description: string) => ({
    name,
    namespace: organization,
    labels: { [labels.organization]: organization, "openchoreo.dev/name": name },
    annotations: { "openchoreo.dev/display-name": displayName, "openchoreo.dev/description": description },
  });
  const base = { apiVersion: "openchoreo.dev/v1alpha1" };
  const object = <D extends DescMessage>(schema: D, init: Record<string, unknown>): DefaultObject =>
    ({ schema, object: create(schema, { ...base, ...init } as never) }) as DefaultObject;
  return [
    object(DeploymentPipelineSchema, {
      kind: "DeploymentPipeline",
      metadata: meta("default", "Default Pipeline", "Standard deployment pipeline with dev, staging, and prod environments"),
      spec: {
        promotionPaths: [
          { sourceEnvironmentRef: "development", targetEnvironmentRefs: [{ name: "staging", requiresApproval: false }] },
          { sourceEnvironmentRef: "staging", targetEnvironmentRefs: [{ name: "production", requiresApproval: false }] },
        ],
      },
    }),
    ...environments.map((e) =>
      object(EnvironmentSchema, {
        kind: "Environment",
        metadata: meta(e.name, e.displayName, e.displayName),
        spec: { dataPlaneRef: "default", isProduction: e.isProduction, gateway: { dnsPrefix: e.dnsPrefix } },
      }),
    ),
    object(ProjectSchema, {
      kind: "Project",
      metadata: meta("default", "Default Project", "Your first project to get started"),
      spec: { deploymentPipelineRef: "default" },
    }),
    object(ServiceClassSchema, {
      kind: "ServiceClass",
      metadata: meta("default", "Default Service Class", "Defaults for Service components"),
      spec: { deploymentTemplate, serviceTemplate: { type: "ClusterIP" } },
    }),
    object(WebApplicationClassSchema, {
      kind: "WebApplicationClass",
      metadata: meta("default", "Default Web Application Class", "Defaults for WebApplication components"),
      spec: { deploymentTemplate, serviceTemplate: { type: "ClusterIP" } },
    }),
    object(ScheduledTaskClassSchema, {
      kind: "ScheduledTaskClass",
      metadata: meta("default", "Default Scheduled Task Class", "Defaults for ScheduledTask components"),
      spec: {
        cronJobTemplate: {
          concurrencyPolicy: "Forbid",
          jobTemplate: { spec: { backoffLimit: 2, template: { spec: { restartPolicy: "Never", containers: [{ name: "main", resources }] } } } },
        },
      },
    }),
    ...apiClasses.map((c) =>
      object(APIClassSchema, {
        kind: "APIClass",
        metadata: meta(c.name, c.displayName, c.description),
        spec: { restPolicy: { defaults: c.defaults, public: {}, organization: {} } },
      }),
    ),
  ];
}
