import { create } from "@bufbuild/protobuf";
import { ReleaseSchema, ReleaseSpecSchema, type Release } from "../../../gen/openchoreo/model/v1alpha1/release_pb.js";
import type { Client } from "../../core/index.js";
import { copyMessage, getPath, labels, type JsonObject } from "../../model/index.js";
import { messageEquals } from "../../model/message-equals.js";
import type { ResourceObject } from "../../store/index.js";
import { ownerReferenceTo } from "../adopt.js";
import { findShared } from "../find-object.js";

/** How often a plane's agent re-checks a Release for drift, and how often while objects progress. */
export const releaseInterval = "5m";
export const releaseProgressingInterval = "10s";

/** What a Release is for: whose objects, which environment, which plane receives them. */
export interface ReleaseTarget {
  readonly name: string;
  readonly namespace: string;
  readonly environment: string;
  readonly project: string;
  /** Empty for a cell Release (the project's, not a component's). */
  readonly component: string;
  readonly planeKind: "DataPlane" | "BuildPlane";
  readonly planeName: string;
  /** Its controller: deleting the owner deletes the Release, and the agent prunes what it applied. */
  readonly owner: ResourceObject;
}

/**
 * The id of a manifest within its Release: apiVersion, kind, namespace and name, which is also
 * what makes it one object in the plane.
 */
export function resourceId(manifest: JsonObject): string {
  const namespace = getPath(manifest, "metadata.namespace") ?? "";
  return [manifest.apiVersion, manifest.kind, namespace, getPath(manifest, "metadata.name")].map(String).join("/");
}

export function desiredRelease(target: ReleaseTarget, manifests: readonly JsonObject[]): Release {
  return create(ReleaseSchema, {
    apiVersion: "openchoreo.dev/v1alpha1",
    kind: "Release",
    metadata: {
      name: target.name,
      namespace: target.namespace,
      labels: {
        [labels.organization]: target.namespace,
        [labels.project]: target.project,
        ...(target.component ? { [labels.component]: target.component } : {}),
        [labels.environment]: target.environment,
        [labels.planeKind]: target.planeKind,
        [labels.planeName]: target.planeName,
        [labels.managedBy]: "release-controller",
      },
      ownerReferences: [ownerReferenceTo(target.owner, true)],
    },
    spec: {
      environmentName: target.environment,
      owner: releaseOwner(target),
      interval: releaseInterval,
      progressingInterval: releaseProgressingInterval,
      resources: manifests.map((object) => ({ id: resourceId(object), object })),
    },
  });
}

/**
 * spec.owner, whose two fields the Release CRD (v0.3's) requires. A Release that delivers no
 * component (a cell's, a build plane's templates) names itself where it has no project or component
 * of its own: the labels still say which project and component it belongs to (none).
 */
function releaseOwner(target: ReleaseTarget): { projectName: string; componentName: string } {
  return { projectName: target.project || target.name, componentName: target.component || target.name };
}

/**
 * Creates the Release or brings its spec and labels to the desired ones; writes nothing when they
 * already match, so the Release's generation (what agents apply) moves only when its objects do.
 * Returns the Release as stored (the cache's own, frozen, when it was already as desired). A Release of the same name controlled by another object is not
 * taken over: undefined, for the caller to report.
 */
export async function applyRelease(client: Client, desired: Release): Promise<Release | undefined> {
  const meta = desired.metadata!;
  const shared = await findShared(client, ReleaseSchema, { namespace: meta.namespace, name: meta.name });
  if (!shared) return client.create(ReleaseSchema, desired);
  const controller = shared.metadata?.ownerReferences.find((r) => r.controller);
  if (controller && controller.uid !== meta.ownerReferences[0]?.uid) return undefined;
  const labelsMatch = Object.entries(meta.labels).every(([k, v]) => shared.metadata?.labels[k] === v);
  if (labelsMatch && controller && shared.spec && messageEquals(ReleaseSpecSchema, shared.spec, desired.spec!)) return shared;
  // Only a Release that must change is copied (the cache's own is frozen).
  const existing = copyMessage(ReleaseSchema, shared);
  existing.metadata!.labels = { ...existing.metadata!.labels, ...meta.labels };
  existing.metadata!.ownerReferences = [...existing.metadata!.ownerReferences.filter((r) => !r.controller), ...meta.ownerReferences];
  existing.spec = desired.spec;
  return client.update(ReleaseSchema, existing);
}
