import type { DescMessage } from "@bufbuild/protobuf";
import { BuildPlaneSchema, type BuildPlane } from "../../gen/openchoreo/model/v1alpha1/build_plane_pb.js";
import { DataPlaneSchema, type DataPlane } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { labels, parseLabelSelector, type LabelSelector } from "../model/index.js";

export type PlaneKind = "DataPlane" | "BuildPlane";
export const planeKinds: readonly PlaneKind[] = ["DataPlane", "BuildPlane"];
export const isPlaneKind = (value: string): value is PlaneKind => value === "DataPlane" || value === "BuildPlane";

/** Names one plane object: a DataPlane or BuildPlane in an organization's namespace. */
export interface PlaneRef {
  readonly kind: PlaneKind;
  readonly namespace: string;
  readonly name: string;
}

export type PlaneObject = DataPlane | BuildPlane;

export function planeSchema(kind: PlaneKind): DescMessage {
  return kind === "DataPlane" ? DataPlaneSchema : BuildPlaneSchema;
}

export const planeKey = (plane: PlaneRef): string => `${plane.kind}/${plane.namespace}/${plane.name}`;

/** The Releases a plane receives: those the release controller labelled for it, in its namespace. */
export function planeReleaseSelector(plane: PlaneRef): LabelSelector {
  return parseLabelSelector(`${labels.planeKind}=${plane.kind},${labels.planeName}=${plane.name}`);
}

/** Whether a Release (by its labels and namespace) belongs to the plane. */
export function releaseIsForPlane(release: { metadata?: { namespace?: string; labels?: Record<string, string> } }, plane: PlaneRef): boolean {
  const meta = release.metadata;
  return meta?.namespace === plane.namespace && meta.labels?.[labels.planeKind] === plane.kind && meta.labels?.[labels.planeName] === plane.name;
}

/** The wire id of a Release: "<namespace>/<name>". */
export const releaseId = (namespace: string, name: string): string => `${namespace}/${name}`;

export function parseReleaseId(id: string): { namespace: string; name: string } | undefined {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1 || id.indexOf("/", slash + 1) !== -1) return undefined;
  return { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}
