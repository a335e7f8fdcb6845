import type { ServiceImpl } from "@connectrpc/connect";
import { BuildService } from "../../gen/openchoreo/api/v1alpha1/build_service_pb.js";
import { BuildSchema, type Build } from "../../gen/openchoreo/model/v1alpha1/build_pb.js";
import { ComponentSchema } from "../../gen/openchoreo/model/v1alpha1/component_pb.js";
import { cancelRequestedAnnotation, organizationBuildPlane } from "../controllers/index.js";
import { storeReader } from "../controllers/store-reader.js";
import { FailedPreconditionError, InvalidSpecError, isAlreadyExistsError, isConflictError } from "../errors/index.js";
import { generatedName } from "../render/index.js";
import { labels, type Codec, type JsonObject, type KindInfo } from "../model/index.js";
import type { PlaneAgentHub, PlaneRef, SessionForwarding } from "../planes/index.js";
import type { LogChunk, LogStore, ResourceStore } from "../store/index.js";
import { principalKey } from "../auth/index.js";
import type { ResourceAccess } from "./resource-access.js";
import { watchEventTypeOf } from "./typed-resource-service.js";

export interface BuildServiceDeps {
  readonly store: ResourceStore;
  readonly access: ResourceAccess;
  readonly codec: Codec;
  /** Build logs as the build planes' agents stream them; StreamBuildLogs needs it. */
  readonly logStore?: LogStore;
  /** ListBuildTemplates asks the build plane's agent what it has. */
  readonly planes?: PlaneAgentHub;
  /** ListBuildTemplates goes to the replica holding the build plane agent's session. */
  readonly forwarding?: SessionForwarding;
}

const finalPhases = new Set(["Succeeded", "Failed", "Cancelled"]);
const isFinal = (build: Build | undefined) => finalPhases.has(build?.status?.phase ?? "");
const defaultPageSize = 100;
const maxPageSize = 1000;
/** How long a follower waits for the log's end once its build finished (the agent sends eof after the status). */
const logEndGraceMs = 5000;
/** A commit is named by hex digits (a short or a full SHA). */
const commitPattern = /^[0-9a-f]{7,64}$/i;
/** Enough of git's ref-name rules to keep a branch safe as a Workflow parameter. */
const branchPattern = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._\/-]+(?<![./])$/;

/** Builds are numbered per component: `<component>-build-<n>`, or a generated name when that is too long. */
function buildName(component: string, n: number): string {
  const name = `${component}-build-${n}`;
  return name.length <= 63 ? name : generatedName([`${component}-build`, String(n)]);
}

function pageOffset(token: string): number {
  if (!token) return 0;
  const offset = Number(token);
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidSpecError([{ path: "page_token", message: "not a token ListBuilds returned" }]);
  return offset;
}

/**
 * BuildService: Build objects written and read for a caller; the build controller runs them. Logs
 * come from the log store, templates from the build plane's agent.
 */
export function createBuildService(deps: BuildServiceDeps): Partial<ServiceImpl<typeof BuildService>> {
  const { store, access, codec } = deps;
  const kind = codec.registry.resolve("Build")!;
  const decode = (json: JsonObject) => codec.decodeAs(BuildSchema, json);
  const getBuild = async (namespace: string, name: string) => {
    if (!name) throw new InvalidSpecError([{ path: "name", message: "required" }]);
    return decode(await access.get(kind, { namespace: namespace || "default", name }));
  };

  const buildsOf = async (namespace: string, project: string, component: string): Promise<Build[]> => {
    const { items } = await access.list(kind, { namespace });
    return items
      .map(decode)
      .filter((b) => (!project || b.spec?.owner?.projectName === project) && (!component || b.spec?.owner?.componentName === component))
      .sort((a, b) => Number(b.metadata?.creationTimestamp?.seconds ?? 0n) - Number(a.metadata?.creationTimestamp?.seconds ?? 0n) || buildNumber(b) - buildNumber(a) || (b.metadata?.name ?? "").localeCompare(a.metadata?.name ?? ""));
  };

  return {
    async triggerBuild(request, context) {
      const actor = context.values.get(principalKey)?.subject;
      if (!request.componentName) throw new InvalidSpecError([{ path: "component_name", message: "required" }]);
      const violations = [];
      if (request.commit && !commitPattern.test(request.commit)) violations.push({ path: "commit", message: `"${request.commit}" is not a commit SHA (7 to 64 hex digits)` });
      if (request.branch && !branchPattern.test(request.branch)) violations.push({ path: "branch", message: `"${request.branch}" is not a valid branch name` });
      if (violations.length > 0) throw new InvalidSpecError(violations);
      const namespace = request.namespace || "default";
      const component = await store.get(ComponentSchema, { namespace, name: request.componentName });
      const project = component.spec?.owner?.projectName ?? "";
      if (request.projectName && request.projectName !== project) {
        throw new InvalidSpecError([{ path: "project_name", message: `component "${request.componentName}" belongs to project "${project}", not "${request.projectName}"` }]);
      }
      const build = component.spec?.build;
      if (!build?.repository?.url || !build.templateRef?.name) {
        throw new FailedPreconditionError(`component "${request.componentName}" has no spec.build (repository and templateRef): it is not built from source`);
      }
      const branch = request.branch || build.repository.revision?.branch || "main";
      const revision: JsonObject = request.commit ? { branch, commit: request.commit } : { branch };
      for (let attempt = 0; ; attempt++) {
        const existing = await buildsOf(namespace, "", request.componentName);
        const n = Math.max(0, ...existing.map(buildNumber)) + 1 + attempt;
        const json: JsonObject = {
          apiVersion: "openchoreo.dev/v1alpha1",
          kind: "Build",
          metadata: { name: buildName(request.componentName, n), namespace, labels: { [labels.organization]: namespace, [labels.project]: project, [labels.component]: request.componentName } },
          spec: {
            owner: { projectName: project, componentName: request.componentName },
            repository: { url: build.repository.url, appPath: build.repository.appPath ?? "/", revision },
            templateRef: {
              ...(build.templateRef.engine ? { engine: build.templateRef.engine } : {}),
              name: build.templateRef.name,
              ...(build.templateRef.parameters.length > 0 ? { parameters: build.templateRef.parameters.map((p) => ({ name: p.name ?? "", value: p.value ?? "" })) } : {}),
            },
          },
        };
        try {
          return { build: decode(await access.create(kind, json, actor ? { actor } : {})) };
        } catch (err) {
          // Another trigger took the number a moment ago: take the next.
          if (!isAlreadyExistsError(err) || attempt >= 4) throw err;
        }
      }
    },

    async getBuild(request) {
      return { build: await getBuild(request.namespace, request.name) };
    },

    async listBuilds(request) {
      if (request.pageSize < 0) throw new InvalidSpecError([{ path: "page_size", message: "must not be negative" }]);
      const builds = await buildsOf(request.namespace || "default", request.projectName, request.componentName);
      const offset = pageOffset(request.pageToken);
      const size = Math.min(request.pageSize || defaultPageSize, maxPageSize);
      const page = builds.slice(offset, offset + size);
      return { builds: page, nextPageToken: offset + size < builds.length ? String(offset + size) : "" };
    },

    async cancelBuild(request) {
      const namespace = request.namespace || "default";
      for (;;) {
        const build = await getBuild(namespace, request.name);
        if (isFinal(build) || build.metadata?.annotations[cancelRequestedAnnotation] === "true") return { build };
        build.metadata!.annotations[cancelRequestedAnnotation] = "true";
        try {
          return { build: await store.update(BuildSchema, build) };
        } catch (err) {
          if (!isConflictError(err)) throw err;
        }
      }
    },

    async *watchBuild(request, context) {
      const namespace = request.namespace || "default";
      const first = await getBuild(namespace, request.name);
      yield { type: watchEventTypeOf("ADDED"), build: first };
      if (isFinal(first)) return;
      const resourceVersion = first.metadata?.resourceVersion ?? "";
      for await (const event of access.watch(kind, { namespace, resourceVersion, signal: context.signal })) {
        if (!event.object || (event.object.metadata as JsonObject | undefined)?.name !== request.name) continue;
        const build = decode(event.object);
        yield { type: watchEventTypeOf(event.type), build };
        if (event.type === "DELETED" || isFinal(build)) return;
      }
    },

    async *streamBuildLogs(request, context) {
      const logStore = deps.logStore;
      if (!logStore) throw new FailedPreconditionError("this server keeps no build logs");
      const namespace = request.namespace || "default";
      const build = await getBuild(namespace, request.name);
      const key = `${namespace}/${request.name}`;
      const respond = (chunk: LogChunk, from: number) => ({
        offset: chunk.offset,
        nextOffset: chunk.offset + chunk.data.length,
        data: chunk.data,
        // Bytes before this chunk are gone (the log's cap) or never arrived.
        truncated: chunk.offset > from,
      });
      let next = request.offset;
      if (!request.follow) {
        for (const chunk of (await logStore.read(key, next)).chunks) {
          yield respond(chunk, next);
          next = chunk.offset + chunk.data.length;
        }
        return;
      }
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      context.signal.addEventListener("abort", onAbort);
      const ended = endOfBuild(access, kind, namespace, request.name, build, context.signal).then(() => {
        // The agent sends the log's end after the final status; a follower waits a little for it.
        const timer = setTimeout(() => stop.abort(), logEndGraceMs);
        stop.signal.addEventListener("abort", () => clearTimeout(timer));
      });
      ended.catch(() => undefined);
      try {
        for await (const chunk of logStore.follow(key, { fromOffset: next, signal: stop.signal })) {
          yield respond(chunk, next);
          next = chunk.offset + chunk.data.length;
        }
        if (!context.signal.aborted) {
          for (const chunk of (await logStore.read(key, next)).chunks) {
            yield respond(chunk, next);
            next = chunk.offset + chunk.data.length;
          }
        }
      } finally {
        context.signal.removeEventListener("abort", onAbort);
        stop.abort();
      }
    },

    listBuildTemplates: deps.forwarding ? deps.forwarding.unary(BuildService.method.listBuildTemplates, buildPlaneOf, listBuildTemplates) : listBuildTemplates,
  };

  async function buildPlaneOf(request: { namespace: string }): Promise<PlaneRef> {
    const namespace = request.namespace || "default";
    return { kind: "BuildPlane", namespace, name: (await organizationBuildPlane(storeReader(store), namespace)) ?? "" };
  }

  async function listBuildTemplates(request: { namespace: string }) {
    if (!deps.planes) throw new FailedPreconditionError("this server reaches no build plane");
    const namespace = request.namespace || "default";
    const plane = await organizationBuildPlane(storeReader(store), namespace);
    if (!plane) throw new FailedPreconditionError(`no BuildPlane in namespace "${namespace}"`);
    const live = await deps.planes.liveObjects({ kind: "BuildPlane", namespace, name: plane }, { kind: "ClusterWorkflowTemplate", namespace: "" });
    const templates = live.objects
      .map((o) => o.object)
      .map((t) => {
        const meta = (t.metadata ?? {}) as { name?: string; annotations?: Record<string, string> };
        const parameters = ((t.spec as { arguments?: { parameters?: { name?: string; description?: string; value?: string }[] } } | undefined)?.arguments?.parameters ?? []).map((p) => ({
          name: p.name ?? "",
          description: p.description ?? "",
          defaultValue: p.value ?? "",
          required: p.value === undefined,
        }));
        return { name: meta.name ?? "", description: meta.annotations?.["openchoreo.dev/description"] ?? "", parameters };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    return { templates };
  }
}

/** The n of `<component>-build-<n>`; 0 for other names. */
function buildNumber(build: Build): number {
  const component = build.spec?.owner?.componentName ?? "";
  const match = (build.metadata?.name ?? "").match(/-build-(\d+)$/);
  return match && (build.metadata?.name ?? "").startsWith(`${component}-build-`) ? Number(match[1]) : 0;
}

/** Resolves once the build is finished or gone; never while the caller is still interested and it runs. */
async function endOfBuild(access: ResourceAccess, kind: KindInfo, namespace: string, name: string, build: Build, signal: AbortSignal): Promise<void> {
  if (isFinal(build)) return;
  for await (const event of access.watch(kind, { namespace, resourceVersion: build.metadata?.resourceVersion ?? "", signal })) {
    if ((event.object?.metadata as JsonObject | undefined)?.name !== name) continue;
    if (event.type === "DELETED" || finalPhases.has(String((event.object?.status as JsonObject | undefined)?.phase ?? ""))) return;
  }
}
