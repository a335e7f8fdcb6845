import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { EnvironmentSchema } from "../../gen/openchoreo/model/v1alpha1/environment_pb.js";
import { createFakeClock } from "../core/index.js";
import { createCodec, createKindRegistry } from "../model/index.js";
import { createMemoryStore, type ResourceStore } from "../store/index.js";
import { createResourceAccess } from "./resource-access.js";

const registry = createKindRegistry(allFiles);
const codec = createCodec(registry);

const qa = (dataPlaneRef: string) => `apiVersion: openchoreo.dev/v1alpha1
kind: Environment
metadata: {name: qa, namespace: default}
spec: {dataPlaneRef: ${dataPlaneRef}}
`;

describe("ResourceAccess.apply", () => {
  it("applies a document whose object someone else created between the check and the write, as an update", async () => {
    const store = createMemoryStore({ registry, clock: createFakeClock() });
    // A controller creating the same object at the worst moment: just before Apply's own create.
    let raced = false;
    const racing: ResourceStore = {
      ...store,
      async create(schema, object, options) {
        if (!raced) {
          raced = true;
          await store.create(EnvironmentSchema, create(EnvironmentSchema, { metadata: { name: "qa", namespace: "default", labels: { by: "controller" } }, spec: { dataPlaneRef: "other" } }));
        }
        return store.create(schema, object, options);
      },
    };
    const access = createResourceAccess({ store: racing, codec });

    const [result] = await access.apply(qa("edge"));
    expect(raced).toBe(true);
    expect(result!.action).toBe("configured");
    const stored = await store.get(EnvironmentSchema, { namespace: "default", name: "qa" });
    expect(stored.spec?.dataPlaneRef).toBe("edge");
    expect(stored.metadata?.labels).toEqual({ by: "controller" });
    expect(result!.identity).toEqual({
      apiVersion: "openchoreo.dev/v1alpha1",
      kind: "Environment",
      namespace: "default",
      name: "qa",
      uid: stored.metadata?.uid,
      resourceVersion: stored.metadata?.resourceVersion,
    });
    await store.close();
  });

  it("parses a text of many documents in slices and keeps their order and the codec's numbering of a bad one", async () => {
    const store = createMemoryStore({ registry, clock: createFakeClock() });
    const access = createResourceAccess({ store, codec });
    const names = Array.from({ length: 400 }, (_, i) => `env-${String(i).padStart(3, "0")}`);
    const docs = names.map((name) => qa("edge").replace("name: qa", `name: ${name}`));
    const results = await access.apply(docs.join("---\n"));
    expect(results.map((r) => r.identity.name)).toEqual(names);

    const broken = [...docs.slice(0, 300), "kind: [unclosed\n", ...docs.slice(300)].join("---\n");
    await expect(access.apply(broken)).rejects.toThrow(/document 301: not valid YAML/);
    await store.close();
  });
});
