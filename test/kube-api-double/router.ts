import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { isJsonObject, type JsonObject } from "../../src/model/json.js";
import { parseLabelSelector, type LabelSelector } from "../../src/model/label-selector.js";
import { discoveryDocument } from "./discovery.js";
import { badRequest, isKubeStatusError, KubeStatusError, unsupportedMediaType } from "./kube-status.js";
import { parseFieldSelector } from "./field-selector.js";
import type { ObjectStore, PatchType, PropagationPolicy, Subresource } from "./object-store.js";
import type { PodLogs } from "./pod-logs.js";
import { apiVersionOf, returnsDeletedObject, type ResourceCatalog, type ResourceType } from "./resource-catalog.js";
import { openApiResponse } from "./openapi.js";
import { decodeProtobufBody } from "./protobuf-body.js";
import { booleanParameter } from "./query-parameters.js";
import { tableOf, wantsTable } from "./table-view.js";
import type { WatchHub } from "./watch-hub.js";

const maxRequestBytes = 3 * 1024 * 1024;

const protobuf = "application/vnd.kubernetes.protobuf";


/** What a request asked for, as the double logs it (tests assert on writes, e.g. none on a no-change resync). */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string;
}

export interface RouterDeps {
  readonly catalog: ResourceCatalog;
  readonly store: ObjectStore;
  readonly hub: WatchHub;
  readonly logs: PodLogs;
  readonly now: () => Date;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Called first; an error it returns is the response (fault injection). */
  readonly intercept: (request: RequestRecord) => KubeStatusError | undefined;
}

interface Target {
  readonly resource: ResourceType;
  /** Undefined for a cluster-wide collection of a namespaced resource. */
  readonly namespace: string | undefined;
  readonly name?: string;
  readonly subresource?: string;
}

const patchTypes: Record<string, PatchType> = {
  "application/apply-patch+yaml": "apply",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/json-patch+json": "json",
};

/** The Kubernetes REST protocol over the store: paths, verbs, query parameters, bodies, Status errors, watch streams. */
export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { catalog, store, logs } = deps;

  function target(segments: readonly string[]): Target | undefined {
    let group: string;
    let version: string;
    let rest: readonly string[];
    if (segments[0] === "api" && segments.length >= 3) [group, version, rest] = ["", segments[1]!, segments.slice(2)];
    else if (segments[0] === "apis" && segments.length >= 4) [group, version, rest] = [segments[1]!, segments[2]!, segments.slice(3)];
    else return undefined;
    const lookup = (plural: string) => {
      const resource = catalog.byPlural(group, version, plural);
      if (!resource) throw new KubeStatusError(404, "NotFound", `the server could not find the requested resource (${plural}${group ? `.${group}` : ""})`);
      return resource;
    };
    const namespacedPath = rest[0] === "namespaces" && rest.length >= 3 && !(group === "" && ["status", "finalize"].includes(rest[2]!) && rest.length === 3);
    if (namespacedPath) {
      const resource = lookup(rest[2]!);
      if (!resource.namespaced) throw new KubeStatusError(404, "NotFound", `${resource.plural} is not namespaced`);
      return { resource, namespace: rest[1]!, ...(rest[3] ? { name: rest[3] } : {}), ...(rest[4] ? { subresource: rest[4] } : {}) };
    }
    const resource = lookup(rest[0]!);
    return { resource, namespace: resource.namespaced ? undefined : "", ...(rest[1] ? { name: rest[1] } : {}), ...(rest[2] ? { subresource: rest[2] } : {}) };
  }

  const tableOptions = (query: URLSearchParams) => ({ now: deps.now(), includeObject: query.get("includeObject") ?? "Metadata" });

  function send(res: ServerResponse, code: number, body: JsonObject, warnings: readonly string[] = []): void {
    const text = JSON.stringify(body);
    // RFC 7234 warnings, as kube-apiserver sends them (kubectl prints "Warning: <text>").
    if (warnings.length > 0) res.setHeader("warning", warnings.map((w) => `299 - ${JSON.stringify(w)}`));
    res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  /** The request's body as JSON; a protobuf body is decoded for `resource` (kubectl's typed clients send one). */
  async function readBody(req: IncomingMessage, contentType: string, resource?: ResourceType): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // kube-apiserver reads at most 3 MiB of a request body.
      if (size > maxRequestBytes) throw new KubeStatusError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${maxRequestBytes}`);
      chunks.push(chunk as Buffer);
    }
    if (contentType === protobuf) {
      if (!resource) throw unsupportedMediaType();
      return decodeProtobufBody(Buffer.concat(chunks), resource);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text.trim()) return undefined;
    try {
      return contentType === "application/apply-patch+yaml" ? parseYaml(text) : JSON.parse(text);
    } catch (err) {
      throw badRequest(`the request body is not ${contentType === "application/apply-patch+yaml" ? "YAML" : "JSON"}: ${(err as Error).message}`);
    }
  }

  function selectorOf(query: URLSearchParams): LabelSelector {
    try {
      return parseLabelSelector(query.get("labelSelector") ?? undefined);
    } catch (err) {
      throw badRequest(`unable to parse requirement: ${(err as Error).message}`);
    }
  }

  function listOf(t: Target, query: URLSearchParams): JsonObject {
    const limit = query.get("limit");
    const page = { ...(limit ? { limit: Number(limit) } : {}), ...(query.get("continue") ? { continue: query.get("continue")! } : {}) };
    const result = store.list(t.resource, t.namespace, selectorOf(query), page, parseFieldSelector(t.resource, query.get("fieldSelector")));
    return {
      apiVersion: apiVersionOf(t.resource),
      kind: `${t.resource.kind}List`,
      metadata: { resourceVersion: result.resourceVersion, ...(result.continue ? { continue: result.continue } : {}) },
      items: result.items,
    };
  }

  function watch(req: IncomingMessage, res: ServerResponse, t: Target, query: URLSearchParams, asTable: boolean): void {
    const selector = selectorOf(query);
    const fields = parseFieldSelector(t.resource, query.get("fieldSelector"));
    const version = query.get("resourceVersion") ?? "";
    const fromRevision = version === "" || version === "0" ? undefined : Number(version);
    if (fromRevision !== undefined && !Number.isInteger(fromRevision)) throw badRequest(`resourceVersion: Invalid value: "${version}"`);
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    // A client's request resolves on the headers; a quiet watch must not hold them back.
    res.flushHeaders();
    let open = true;
    let handle: { cancel(): void } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const write = (event: JsonObject) => {
      if (!open) return;
      // kubectl get -w asks for each event's object as a one-row Table.
      const shown = asTable && event.type !== "ERROR" && event.type !== "BOOKMARK" ? { ...event, object: tableOf(t.resource, [event.object as JsonObject], tableOptions(query)) } : event;
      res.write(`${JSON.stringify(shown)}\n`);
    };
    const end = () => {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      handle?.cancel();
      res.end();
    };
    // No resourceVersion: the current state first, as synthetic ADDED events.
    if (fromRevision === undefined) for (const object of store.list(t.resource, t.namespace, selector, undefined, fields).items) write({ type: "ADDED", object });
    try {
      handle = deps.hub.watch({
        resource: t.resource,
        ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
        selector,
        ...(fields ? { fields } : {}),
        fromRevision: fromRevision ?? store.revision,
        allowBookmarks: booleanParameter(query, "allowWatchBookmarks"),
        write,
        end,
      });
    } catch (err) {
      // As the API server does: a watch that cannot resume is a 200 stream with one ERROR event.
      if (!isKubeStatusError(err)) throw err;
      write({ type: "ERROR", object: err.toStatus() });
      end();
      return;
    }
    const timeoutSeconds = Number(query.get("timeoutSeconds") ?? 0);
    if (timeoutSeconds > 0) timer = setTimeout(end, timeoutSeconds * 1000);
    req.on("close", end);
    res.on("close", end);
  }

  /** DeleteOptions' propagationPolicy, from the body kubectl sends or the query. */
  function propagationPolicyOf(query: URLSearchParams, body: unknown): PropagationPolicy {
    const policy = (isJsonObject(body) ? body.propagationPolicy : undefined) ?? query.get("propagationPolicy") ?? "Background";
    if (policy !== "Background" && policy !== "Foreground" && policy !== "Orphan") {
      throw badRequest(`propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`);
    }
    return policy;
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double");
    const query = url.searchParams;
    const method = req.method ?? "GET";
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
    const refused = deps.intercept({ method, path: url.pathname, query: Object.fromEntries(query), contentType });
    if (refused) throw refused;
    if (deps.token !== undefined && req.headers.authorization !== `Bearer ${deps.token}`) throw new KubeStatusError(401, "Unauthorized", "Unauthorized");
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (method === "GET" && segments.length === 1 && segments[0] === "version") {
      return send(res, 200, { major: "1", minor: "32", gitVersion: "v1.32.0-kube-api-double", platform: "linux/amd64" });
    }
    if (method === "GET" && segments[0] === "openapi") {
      const openApi = openApiResponse(catalog, segments);
      if (!openApi) throw new KubeStatusError(404, "NotFound", "the server could not find the requested resource");
      return send(res, 200, openApi);
    }
    const discovery = method === "GET" ? discoveryDocument(catalog, segments) : undefined;
    if (discovery) return send(res, 200, discovery);
    const t = target(segments);
    if (!t) throw new KubeStatusError(404, "NotFound", "the server could not find the requested resource");
    const manager = query.get("fieldManager") ?? (req.headers["user-agent"] ?? "unknown").split("/")[0]!;
    const subresource = t.subresource ?? "";
    const asTable = wantsTable(req.headers.accept);
    const warnings: string[] = [];
    const dryRun = query.getAll("dryRun");
    if (dryRun.some((d) => d !== "All")) throw badRequest(`dryRun: Unsupported value: "${dryRun.find((d) => d !== "All")}": supported values: "All"`);
    const writeOptions = { fieldValidation: query.get("fieldValidation") ?? "Warn", warnings, dryRun: dryRun.length > 0 };
    const served = subresource === "status" ? t.resource.statusSubresource : (t.resource.subresources ?? []).includes(subresource);
    if (subresource && !served) {
      throw new KubeStatusError(404, "NotFound", `the server could not find the requested resource (${t.resource.plural}/${subresource})`);
    }

    if (t.name === undefined) {
      if (method === "GET") {
        if (booleanParameter(query, "watch")) return watch(req, res, t, query, asTable);
        const list = listOf(t, query);
        if (!asTable) return send(res, 200, list);
        const listMeta = list.metadata as { resourceVersion?: string; continue?: string };
        return send(res, 200, tableOf(t.resource, list.items as JsonObject[], { ...tableOptions(query), ...listMeta, ...(listMeta.continue ? { continueToken: listMeta.continue } : {}) }));
      }
      if (method === "POST") {
        if (t.namespace === undefined) throw new KubeStatusError(405, "MethodNotAllowed", "create needs a namespace in the path");
        const body = await readBody(req, contentType, t.resource);
        if (!isJsonObject(body)) throw badRequest("the request body is not an object");
        return send(res, 201, store.create(t.resource, t.namespace, body, manager, writeOptions), warnings);
      }
      if (method === "DELETE") {
        const policy = propagationPolicyOf(query, await readBody(req, contentType));
        for (const item of store.list(t.resource, t.namespace, selectorOf(query), undefined, parseFieldSelector(t.resource, query.get("fieldSelector"))).items) {
          const meta = item.metadata as { namespace?: string; name: string };
          store.delete(t.resource, meta.namespace ?? "", meta.name, undefined, policy, writeOptions.dryRun);
        }
        return send(res, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success" });
      }
      throw new KubeStatusError(405, "MethodNotAllowed", `${method} is not allowed on a collection`);
    }

    const namespace = t.namespace ?? "";
    if (subresource === "log") {
      if (method !== "GET") throw new KubeStatusError(405, "MethodNotAllowed", "logs are read-only");
      return logs.serve(req, res, store.get(t.resource, namespace, t.name), query, deps.now());
    }
    const sub = subresource as Subresource;
    switch (method) {
      case "GET":
        if (asTable) return send(res, 200, tableOf(t.resource, [store.get(t.resource, namespace, t.name)], tableOptions(query)));
        return send(res, 200, store.get(t.resource, namespace, t.name));
      case "PUT": {
        const body = await readBody(req, contentType, t.resource);
        if (!isJsonObject(body)) throw badRequest("the request body is not an object");
        return send(res, 200, store.update(t.resource, namespace, t.name, body, manager, sub, writeOptions), warnings);
      }
      case "PATCH": {
        const type = patchTypes[contentType];
        if (!type) throw new KubeStatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${Object.keys(patchTypes).join(", ")}`);
        const body = await readBody(req, contentType);
        if (type === "apply" && !query.get("fieldManager")) {
          throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
        }
        const { object, created } = store.patch(t.resource, namespace, t.name, type, body, { manager, force: booleanParameter(query, "force"), subresource: sub, ...writeOptions });
        return send(res, created ? 201 : 200, object, warnings);
      }
      case "DELETE": {
        const body = await readBody(req, contentType);
        const preconditions = isJsonObject(body) && isJsonObject(body.preconditions) ? (body.preconditions as { resourceVersion?: string; uid?: string }) : undefined;
        // kubectl delete --dry-run=server sends dryRun in the DeleteOptions body.
        const dryRunBody = isJsonObject(body) && Array.isArray(body.dryRun) && body.dryRun.includes("All");
        const { object, gone } = store.delete(t.resource, namespace, t.name, preconditions, propagationPolicyOf(query, body), writeOptions.dryRun || dryRunBody);
        // An object that stays (finalizers) comes back as it is; one that went, as a Status, unless its registry returns deleted objects.
        if (!gone || returnsDeletedObject(t.resource)) return send(res, 200, object);
        return send(res, 200, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name: t.name, group: t.resource.group, kind: t.resource.plural, uid: (object.metadata as JsonObject).uid! },
        });
      }
      default:
        throw new KubeStatusError(405, "MethodNotAllowed", `${method} is not allowed`);
    }
  }

  return (req, res) => {
    serve(req, res).catch((err: unknown) => {
      const status = isKubeStatusError(err) ? err : new KubeStatusError(500, "InternalError", `Internal error occurred: ${(err as Error).message}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, status.code, status.toStatus());
    });
  };
}

