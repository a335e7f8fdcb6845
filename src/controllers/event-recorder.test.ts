import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { EventSchema } from "../../gen/openchoreo/model/v1alpha1/event_pb.js";
import { ProjectSchema } from "../../gen/openchoreo/model/v1alpha1/project_pb.js";
import { createFakeClock } from "../core/index.js";
import { createKindRegistry } from "../model/index.js";
import { createMemoryStore } from "../store/index.js";
import { createEventRecorder } from "./event-recorder.js";

describe("createEventRecorder", () => {
  it("creates an Event with count 1 in one write, and folds a repeat into it", async () => {
    const clock = createFakeClock();
    const store = createMemoryStore({ registry: createKindRegistry(allFiles), clock });
    const project = await store.create(ProjectSchema, create(ProjectSchema, { metadata: { name: "shop", namespace: "default" }, spec: {} }));
    const { resourceVersion } = await store.list(EventSchema);
    const recorder = createEventRecorder({ store, clock, source: "test" });

    await recorder.record(project, "Warning", "NotReady", "the pipeline is missing");
    const seen: string[] = [];
    const abort = new AbortController();
    for await (const event of store.watch(EventSchema, { resourceVersion, signal: abort.signal })) {
      seen.push(`${event.type} count ${event.object?.status?.count}`);
      if (seen.length === 1) await recorder.record(project, "Warning", "NotReady", "the pipeline is missing");
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["ADDED count 1", "MODIFIED count 2"]);
    const { items } = await store.list(EventSchema);
    expect(items).toHaveLength(1);
    expect(items[0]!.spec?.reason).toBe("NotReady");
    await store.close();
  });
});
