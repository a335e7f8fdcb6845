import { create } from "@bufbuild/protobuf";
import { BuildPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { OrganizationSchema } from "../../gen/openchoreo/model/v1alpha1/organization_pb.js";
import { isAlreadyExistsError } from "../errors/index.js";
import { labels } from "../model/index.js";
import type { ResourceStore } from "../store/index.js";

/** Says which driver serves a plane; the embedded planes are served in-process by the `local` driver. */
export const planeDriverAnnotation = "openchoreo.dev/plane-driver";

/**
 * What `npm start` gives a new user on an empty data directory: the `default` organization (whose
 * controller adds its project, pipeline, environments and classes) and a DataPlane and a BuildPlane
 * named `default` with the local driver, so every `dataPlaneRef: default` of the samples resolves.
 * A store that already holds an organization is left alone: the defaults are never re-created or
 * reverted once a user has had them.
 */
export async function ensureEmbeddedDefaults(store: ResourceStore): Promise<string[]> {
  const { items } = await store.list(OrganizationSchema, { limit: 1 });
  if (items.length > 0) return [];
  const meta = (name: string, displayName: string) => ({
    name,
    namespace: "default",
    labels: { [labels.organization]: "default", [labels.managedBy]: "embedded-defaults" },
    annotations: { [planeDriverAnnotation]: "local", "openchoreo.dev/display-name": displayName },
  });
  // The virtual hosts are the domains OpenChoreo v0.3.2 serves Service APIs under, so the URLs of its
  // samples' READMEs are the ones a binding reports. The v0.3 kinds require cluster credentials; the
  // local driver needs none, so they say so.
  const cluster = { name: "local", credentials: { apiServerUrl: "local://embedded", caCert: "", clientCert: "", clientKey: "" } };
  const objects = [
    [OrganizationSchema, create(OrganizationSchema, {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Organization",
      metadata: {
        name: "default",
        labels: { "openchoreo.dev/name": "default" },
        annotations: { "openchoreo.dev/display-name": "Default Organization", "openchoreo.dev/description": "Getting started with your first organization" },
      },
      spec: {},
    })],
    [DataPlaneSchema, create(DataPlaneSchema, {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "DataPlane",
      metadata: meta("default", "Embedded data plane"),
      spec: {
        kubernetesCluster: cluster,
        gateway: { publicVirtualHost: "choreoapis.localhost", organizationVirtualHost: "choreoapis.internal" },
        registry: { prefix: "registry.localhost" },
      },
    })],
    [BuildPlaneSchema, create(BuildPlaneSchema, {
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "BuildPlane",
      metadata: meta("default", "Embedded build plane"),
      spec: { kubernetesCluster: cluster },
    })],
  ] as const;
  const created: string[] = [];
  for (const [schema, object] of objects) {
    try {
      await store.create(schema, object as never);
      created.push(`${object.kind}/${object.metadata?.name}`);
    } catch (err) {
      if (!isAlreadyExistsError(err)) throw err;
    }
  }
  return created;
}
