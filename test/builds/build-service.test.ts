import { Code, ConnectError, createClient, createRouterTransport, type Client, type Interceptor } from "@connectrpc/connect";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { BuildService } from "../../gen/openchoreo/api/v1alpha1/build_service_pb.js";
import { createDescriptorIndex } from "../../src/api/descriptor-index.js";
import { createHealthStatus } from "../../src/api/health-status.js";
import { routes } from "../../src/api/routes.js";
import { principalKey } from "../../src/auth/index.js";
import { createErrorBoundary } from "../../src/server/index.js";
import type { PlaneAgentHub } from "../../src/planes/index.js";
import { createMemoryLogStore, type LogStore } from "../../src/store/index.js";
import { readBuildTemplates } from "../../src/controllers/build/index.js";
import { eventually, startPlatform, type Platform } from "../controllers/harness.js";
import { playArgo, type ArgoPlay } from "../support/fake-plane.js";
import { greeterComponent } from "./support/greeter.js";

let platform: Platform | undefined;
let logStore: LogStore | undefined;
afterEach(async () => {
  await logStore?.close();
  await platform?.stop();
  platform = undefined;
});

/** Answers liveObjects the way a connected build plane agent holding our templates would. */
const buildPlaneWithTemplates = {
  liveObjects: async () => ({ agentConnected: true, objects: readBuildTemplates().map((object) => ({ releaseId: "r", object, health: "Healthy", observedMs: 0 })) }),
} as unknown as PlaneAgentHub;

/** The caller as the request guard would have authenticated it. */
const signedInAs = (subject: string): Interceptor => (next) => (req) => {
  req.contextValues.set(principalKey, { subject, groups: [], via: "token" });
  return next(req);
};

async function start(fate: (build: string) => ArgoPlay = () => ({}), caller?: string): Promise<Client<typeof BuildService>> {
  platform = await startPlatform({ embeddedDefaults: true, fakePlanes: { argo: playArgo(fate) } });
  await eventually(() => platform!.get("Environment", "default", "development"), "the default organization");
  await platform.access.apply(greeterComponent);
  logStore = createMemoryLogStore();
  const p = platform;
  const transport = createRouterTransport((router) =>
    routes(router, { health: createHealthStatus(), descriptors: createDescriptorIndex(allFiles), resources: { access: p.access, codec: p.codec, store: p.store, logStore, planes: buildPlaneWithTemplates } }),
    { router: { interceptors: [createErrorBoundary(pino({ level: "silent" })), ...(caller ? [signedInAs(caller)] : [])] } },
  );
  return createClient(BuildService, transport);
}

async function errorOf(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

const encoder = new TextEncoder();
const lines = Array.from({ length: 40 }, (_, i) => `[Simulated] step line ${i + 1}\n`);

/** Plays the plane session: the log arrives in chunks of a few lines at their byte offsets. */
async function writeLog(store: LogStore, key: string, from: number, to: number): Promise<void> {
  const offset = encoder.encode(lines.slice(0, from).join("")).length;
  await store.append(key, offset, encoder.encode(lines.slice(from, to).join("")));
}

describe("BuildService over the router", () => {
  it("triggers builds from the component's build spec, numbered per component, with commit or branch overrides", async () => {
    const builds = await start();
    const first = (await builds.triggerBuild({ componentName: "greeting-service" })).build!;
    expect(first.metadata?.name).toBe("greeting-service-build-1");
    expect(first.spec?.repository).toMatchObject({ url: "https://github.com/openchoreo/sample-workloads", appPath: "/service-go-greeter", revision: { branch: "main" } });
    expect(first.spec?.templateRef?.name).toBe("docker");
    expect(first.spec?.templateRef?.parameters.map((p) => p.name)).toEqual(["docker-context", "dockerfile-path"]);
    const second = (await builds.triggerBuild({ componentName: "greeting-service", commit: "0123456789ab", branch: "release-1" })).build!;
    expect(second.metadata?.name).toBe("greeting-service-build-2");
    expect(second.spec?.repository?.revision).toMatchObject({ commit: "0123456789ab", branch: "release-1" });
  });

  it("refuses bad input naming the field, and writes nothing", async () => {
    const builds = await start();
    expect((await errorOf(builds.triggerBuild({}))).code).toBe(Code.InvalidArgument);
    const commit = await errorOf(builds.triggerBuild({ componentName: "greeting-service", commit: "not a sha" }));
    expect(commit.code).toBe(Code.InvalidArgument);
    expect(commit.rawMessage).toContain("commit");
    const branch = await errorOf(builds.triggerBuild({ componentName: "greeting-service", branch: "../evil" }));
    expect(branch.rawMessage).toContain("branch");
    expect((await errorOf(builds.triggerBuild({ componentName: "greeting-service", projectName: "other" }))).rawMessage).toContain("project_name");
    expect((await errorOf(builds.triggerBuild({ componentName: "nowhere" }))).code).toBe(Code.NotFound);
    expect((await builds.listBuilds({})).builds).toEqual([]);
  });

  it("refuses to build a component that has no build spec", async () => {
    const builds = await start();
    await platform!.access.apply(greeterComponent.split("---")[0]!.replace("greeting-service", "prebuilt").replace(/  build:[\s\S]*$/, ""));
    expect((await errorOf(builds.triggerBuild({ componentName: "prebuilt" }))).code).toBe(Code.FailedPrecondition);
  });

  it("watches a build to the end and lists builds newest first", async () => {
    const builds = await start();
    await builds.triggerBuild({ componentName: "greeting-service" });
    const phases: string[] = [];
    for await (const event of builds.watchBuild({ name: "greeting-service-build-1" })) phases.push(event.build?.status?.phase ?? "");
    expect(phases.at(-1)).toBe("Succeeded");
    await builds.triggerBuild({ componentName: "greeting-service" });
    const listed = await builds.listBuilds({ componentName: "greeting-service" });
    expect(listed.builds.map((b) => b.metadata?.name)).toEqual(["greeting-service-build-2", "greeting-service-build-1"]);
    expect((await builds.getBuild({ name: "greeting-service-build-1" })).build?.status?.imageStatus?.image).toMatch(/default-greeting-service:[0-9a-f]{12}$/);
    expect((await builds.listBuilds({ componentName: "someone-else" })).builds).toEqual([]);
  });

  it("records who triggered a build on the deployment it causes", async () => {
    const builds = await start(() => ({}), "token:bob");
    await builds.triggerBuild({ componentName: "greeting-service" });
    for await (const event of builds.watchBuild({ name: "greeting-service-build-1" })) if (event.build?.status?.phase === "Succeeded") break;
    const revisions = await eventually(async () => {
      const binding = await platform!.get("ServiceBinding", "default", "greeting-service-development");
      const found = (binding?.status as { revisions?: { principal?: string }[] } | undefined)?.revisions;
      return found?.some((r) => r.principal) && found;
    }, "a revision naming its requester");
    expect(revisions.at(-1)?.principal).toBe("token:bob");
  });

  it("cancels a running build, and leaves a finished one as it is", async () => {
    const builds = await start((name) => (name.endsWith("-1") ? { holdAt: "build-step" } : {}));
    await builds.triggerBuild({ componentName: "greeting-service" });
    await eventually(async () => (await builds.getBuild({ name: "greeting-service-build-1" })).build?.status?.phase === "Running", "the build running");
    await builds.cancelBuild({ name: "greeting-service-build-1" });
    let last;
    for await (const event of builds.watchBuild({ name: "greeting-service-build-1" })) last = event.build;
    expect(last?.status?.phase).toBe("Cancelled");

    await builds.triggerBuild({ componentName: "greeting-service" });
    for await (const _ of builds.watchBuild({ name: "greeting-service-build-2" })) {
      // until it finishes
    }
    const after = (await builds.cancelBuild({ name: "greeting-service-build-2" })).build!;
    expect(after.status?.phase).toBe("Succeeded");
    expect(after.metadata?.annotations["openchoreo.dev/cancel-requested"]).toBeUndefined();
  });

  it("streams a build's log from an offset: a follower that reconnects from its last offset misses and repeats nothing", async () => {
    const builds = await start((name) => (name.endsWith("-1") ? { holdAt: "build-step" } : {}));
    await builds.triggerBuild({ componentName: "greeting-service" });
    const key = "default/greeting-service-build-1";
    await writeLog(logStore!, key, 0, 10);

    const seen: Uint8Array[] = [];
    let resumeAt = 0;
    const first = new AbortController();
    for await (const chunk of builds.streamBuildLogs({ name: "greeting-service-build-1", follow: true }, { signal: first.signal })) {
      seen.push(chunk.data);
      resumeAt = chunk.nextOffset;
      if (chunk.nextOffset >= 100) break; // the follower's connection drops mid-log
    }
    await writeLog(logStore!, key, 10, 25);
    const follow = (async () => {
      for await (const chunk of builds.streamBuildLogs({ name: "greeting-service-build-1", offset: resumeAt, follow: true })) {
        expect(chunk.offset).toBe(resumeAt);
        seen.push(chunk.data);
        resumeAt = chunk.nextOffset;
      }
    })();
    await writeLog(logStore!, key, 25, 40);
    await logStore!.complete(key);
    await follow;
    expect(Buffer.concat(seen).toString()).toBe(lines.join(""));

    // After the end: the whole log, or its tail from an offset, without follow.
    const tail: Uint8Array[] = [];
    for await (const chunk of builds.streamBuildLogs({ name: "greeting-service-build-1", offset: encoder.encode(lines.slice(0, 30).join("")).length })) tail.push(chunk.data);
    expect(Buffer.concat(tail).toString()).toBe(lines.slice(30).join(""));
  });

  it("serves two followers at once, each the whole log live", async () => {
    const builds = await start((name) => (name.endsWith("-1") ? { holdAt: "build-step" } : {}));
    await builds.triggerBuild({ componentName: "greeting-service" });
    const key = "default/greeting-service-build-1";
    const read = async () => {
      const parts: Uint8Array[] = [];
      for await (const chunk of builds.streamBuildLogs({ name: "greeting-service-build-1", follow: true })) parts.push(chunk.data);
      return Buffer.concat(parts).toString();
    };
    const followers = [read(), read()];
    for (let i = 0; i < 40; i += 8) await writeLog(logStore!, key, i, i + 8);
    await logStore!.complete(key);
    expect(await Promise.all(followers)).toEqual([lines.join(""), lines.join("")]);
  });

  it("ends a follower once the build finished, even if the log's end never came", async () => {
    const builds = await start();
    await builds.triggerBuild({ componentName: "greeting-service" });
    await writeLog(logStore!, "default/greeting-service-build-1", 0, 3);
    const parts: Uint8Array[] = [];
    for await (const chunk of builds.streamBuildLogs({ name: "greeting-service-build-1", follow: true })) parts.push(chunk.data);
    expect(Buffer.concat(parts).toString()).toBe(lines.slice(0, 3).join(""));
  }, 20_000);

  it("lists the build templates the build plane's agent has, with their parameters", async () => {
    const builds = await start();
    const { templates } = await builds.listBuildTemplates({ namespace: "default" });
    expect(templates.map((t) => t.name)).toEqual(["ballerina-buildpack", "docker", "google-cloud-buildpacks", "react"]);
    const docker = templates.find((t) => t.name === "docker")!;
    expect(docker.description).toContain("Dockerfile");
    expect(docker.parameters.map((p) => [p.name, p.required])).toEqual([
      ["docker-context", true],
      ["dockerfile-path", true],
    ]);
  });
});
