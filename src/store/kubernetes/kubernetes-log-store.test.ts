import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInstalledCluster } from "../../../test/store/support/kubernetes-cluster.js";
import type { KubeApiDouble } from "../../../test/kube-api-double/index.js";
import { runLogStoreContract } from "../contract/index.js";
import type { LogChunk } from "../log-store.js";
import { createKubeRestClient } from "./kube-rest-client.js";
import { createKubernetesLogStore } from "./kubernetes-log-store.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (chunks: readonly LogChunk[]) => chunks.map((c) => new TextDecoder().decode(c.data)).join("");

let double: KubeApiDouble | undefined;
let namespaces = 0;
/** One cluster for the file, a fresh namespace (an empty log store) for each store. */
async function freshNamespace(): Promise<{ double: KubeApiDouble; namespace: string }> {
  double ??= await startInstalledCluster();
  const namespace = `logs-${++namespaces}`;
  await createKubeRestClient(double.kubeConfig()).request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: namespace } } });
  return { double, namespace };
}
afterAll(async () => double?.close());

runLogStoreContract("kubernetes (API double)", async ({ maxBytesPerBuild }) => {
  const { double, namespace } = await freshNamespace();
  return createKubernetesLogStore({ client: createKubeRestClient(double.kubeConfig()), namespace, maxBytesPerBuild });
});

describe("kubernetes log store: two replicas, one log", () => {
  let cluster: KubeApiDouble;
  let namespace: string;
  const replica = () => createKubernetesLogStore({ client: createKubeRestClient(cluster.kubeConfig()), namespace, maxBytesPerBuild: 64 });
  beforeAll(async () => {
    ({ double: cluster, namespace } = await freshNamespace());
  });

  it("reads and follows through one replica what the other appends, as BuildLog and BuildLogChunk objects", async () => {
    const [a, b] = [replica(), replica()];
    await a.append("default/build-1", 0, bytes("clone\n"));
    const follow = b.follow("default/build-1")[Symbol.asyncIterator]();
    expect(text([(await follow.next()).value as LogChunk])).toBe("clone\n");
    const pending = follow.next();
    await a.append("default/build-1", 6, bytes("build\n"));
    expect(text([(await pending).value as LogChunk])).toBe("build\n");
    await a.complete("default/build-1");
    expect((await follow.next()).done).toBe(true);
    expect(await b.read("default/build-1")).toMatchObject({ nextOffset: 12, complete: true, truncated: false });
    const [log] = cluster.list("openchoreo.dev/v1alpha1", "BuildLog", namespace);
    expect(log?.spec).toEqual({ build: "default/build-1", end: 12, held: 12, dropped: 0, complete: true });
    expect(cluster.list("openchoreo.dev/v1alpha1", "BuildLogChunk", namespace).map((c) => (c.spec as { offset: number }).offset).sort()).toEqual([0, 6]);
    await Promise.all([a.close(), b.close()]);
  });

  it("keeps one copy of bytes both replicas append at once (an agent resending through another replica)", async () => {
    const [a, b] = [replica(), replica()];
    const lines = Array.from({ length: 8 }, (_, i) => `line ${i}\n`);
    let offset = 0;
    const writes: Promise<void>[] = [];
    for (const line of lines) {
      writes.push(a.append("default/build-2", offset, bytes(line)), b.append("default/build-2", offset, bytes(line)));
      offset += line.length;
    }
    await Promise.all(writes);
    const read = await a.read("default/build-2");
    // 64 bytes kept of 56 written: everything, once, in order.
    expect(text(read.chunks)).toBe(lines.join(""));
    expect(read.nextOffset).toBe(offset);
    await Promise.all([a.close(), b.close()]);
  });
});
