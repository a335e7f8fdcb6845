import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComponentService } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { resourceRoutes } from "../../src/api/resource-routes.js";
import type { JsonObject } from "../../src/model/index.js";
import { createErrorBoundary } from "../../src/server/index.js";
import { eventually, startPlatform, type Platform } from "../controllers/harness.js";
import { manifestProblems } from "../render/support/validate-manifest.js";
import { readReferenceFiles, referencePresent, referenceSkipReason } from "../support/shared-reference.js";

if (!referencePresent) console.warn(referenceSkipReason);

let platform: Platform;
let components: ReturnType<typeof createClient<typeof ComponentService>>;
beforeAll(async () => {
  platform = await startPlatform({ embeddedDefaults: true });
  const transport = createRouterTransport((router) => resourceRoutes(router, platform), {
    router: { interceptors: [createErrorBoundary(pino({ level: "silent" }))] },
  });
  components = createClient(ComponentService, transport);
  await eventually(() => platform.get("Environment", "default", "development"), "the default environments");
});
afterAll(async () => platform.stop());

/** The from-image samples deploy at once: a service, a web application and a scheduled task. */
const samples = referencePresent ? [...new Set(readReferenceFiles().filter((f) => f.folder.startsWith("samples/from-image/")).map((f) => f.folder))] : [];

describe.skipIf(!referencePresent)("ComponentService.GetRenderedRelease for the samples", () => {
  for (const folder of samples) {
    it(`${folder}: the manifests development receives, each valid against its schema`, async () => {
      const text = readReferenceFiles().filter((f) => f.folder === folder).map((f) => f.text).join("\n---\n");
      await platform.access.apply(text);
      const component = platform.codec.parseManifests(text).find((d) => d.kind === "Component")!;
      const name = String((component.metadata as JsonObject).name);
      const bound = () => components.getRenderedRelease({ namespace: "default", name, environment: "development" }).then(() => true, () => false);
      await eventually(bound, `${name} bound to development`);

      const rendered = await components.getRenderedRelease({ namespace: "default", name, environment: "development" });
      expect(rendered.releases).toHaveLength(2);
      const [binding, cell] = rendered.releases;
      const kinds = binding!.objects.map((o) => o.kind);
      expect(kinds.some((k) => k === "Deployment" || k === "CronJob"), kinds.join(", ")).toBe(true);
      expect(cell!.objects.map((o) => o.kind)).toContain("Namespace");
      const images = JSON.stringify(binding!.objects);
      const workload = platform.codec.parseManifests(text).find((d) => d.kind === "Workload")!;
      for (const container of Object.values((workload.spec as JsonObject).containers as Record<string, JsonObject>)) {
        expect(images).toContain(String(container.image));
      }
      // Kubernetes' own kinds always; the third-party ones when ../shared/schemas is there (it warns when not).
      for (const object of [...binding!.objects, ...cell!.objects]) {
        expect(manifestProblems(object), `${object.kind} ${(object.metadata as JsonObject).name}`).toEqual([]);
      }
    });
  }

  it("says which component or environment is missing", async () => {
    const err = await components.getRenderedRelease({ namespace: "default", name: "nothing-here", environment: "development" }).catch((e: unknown) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.NotFound);
    const noEnv = await components.getRenderedRelease({ namespace: "default", name: "x", environment: "moon" }).catch((e: unknown) => ConnectError.from(e));
    expect((noEnv as ConnectError).code).toBe(Code.NotFound);
  });
});
