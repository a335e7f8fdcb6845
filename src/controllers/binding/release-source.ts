import type { DescMessage } from "@bufbuild/protobuf";
import type { Client } from "../../core/index.js";
import type { JsonObject } from "../../model/index.js";
import type { RenderProblem } from "../../render/index.js";
import type { ResourceObject } from "../../store/index.js";
import type { Reference } from "../references/reference-controller.js";
import type { ReleaseTarget } from "../release/desired-release.js";

/** What an object means in its plane, rendered from what the store holds. */
export interface SourceRender {
  readonly manifests: JsonObject[];
  readonly problems: RenderProblem[];
  /** Where the Release goes; its name, namespace and owner are the object's. */
  readonly target: Omit<ReleaseTarget, "name" | "namespace" | "owner">;
  /** After the Release and the object's status are written: its other outputs (Endpoint objects, an API's address). */
  readonly publish?: (client: Client) => Promise<void>;
  /** Status fields besides conditions (a binding's endpoints). */
  readonly status?: Record<string, unknown>;
}

/** Why an object cannot be rendered at all (its environment, plane or API is missing). */
export interface Unrenderable {
  readonly reason: string;
  readonly message: string;
}

/** A kind whose objects each become one Release: the component bindings and APIBinding. */
export interface ReleaseSource {
  readonly schema: DescMessage;
  readonly references: readonly Reference[];
  /** Other kinds its objects control (a binding's Endpoints). */
  readonly owns: readonly DescMessage[];
  render(client: Client, object: ResourceObject): Promise<SourceRender | Unrenderable>;
}
