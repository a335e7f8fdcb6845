import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonOf, kubectlMissing, startClientRig, type ClientRig } from "./real-clients.js";

// kubectl's typed clients send protobuf bodies for built-in kinds, and client-go falls back to JSON
// after a 415 only for CBOR: kube-apiserver reads them, and so must the double.

let rig: ClientRig;
beforeEach(async () => {
  rig = await startClientRig();
});
afterEach(() => rig.close());

describe("kube API double: protobuf request bodies", () => {
  it.skipIf(kubectlMissing)(`kubectl create namespace, configmap and secret send protobuf and are stored as sent (${kubectlMissing ?? "kubectl found"})`, async () => {
    expect(await rig.kubectl(["create", "namespace", "b"])).toMatchObject({ code: 0, stdout: "namespace/b created\n" });
    const binary = path.join(path.dirname(rig.kubeconfig), "blob.bin");
    await writeFile(binary, Buffer.from([0xff, 0x00, 0xfe]));
    expect(await rig.kubectl(["create", "configmap", "settings", "-n", "b", "--from-literal=mode=fast", `--from-file=blob=${binary}`])).toMatchObject({ code: 0, stdout: "configmap/settings created\n" });
    expect(await rig.kubectl(["create", "secret", "generic", "creds", "-n", "b", "--from-literal=password=s3cret", "--type=example.com/basic"])).toMatchObject({
      code: 0,
      stdout: "secret/creds created\n",
    });
    const posts = rig.double.requests.filter((r) => r.method === "POST");
    expect(posts.map((r) => [r.path, r.contentType, r.query.fieldManager])).toEqual([
      ["/api/v1/namespaces", "application/vnd.kubernetes.protobuf", "kubectl-create"],
      ["/api/v1/namespaces/b/configmaps", "application/vnd.kubernetes.protobuf", "kubectl-create"],
      ["/api/v1/namespaces/b/secrets", "application/vnd.kubernetes.protobuf", "kubectl-create"],
    ]);
    expect(jsonOf(await rig.kubectl(["get", "namespace", "b", "-o", "json"]))).toMatchObject({ metadata: { name: "b" }, status: { phase: "Active" } });
    const configMap = jsonOf(await rig.kubectl(["get", "configmap", "settings", "-n", "b", "-o", "json"]));
    expect(configMap).toMatchObject({ data: { mode: "fast" }, binaryData: { blob: Buffer.from([0xff, 0x00, 0xfe]).toString("base64") } });
    const secret = jsonOf(await rig.kubectl(["get", "secret", "creds", "-n", "b", "-o", "json", "--show-managed-fields"]));
    expect(secret).toMatchObject({ type: "example.com/basic", data: { password: Buffer.from("s3cret").toString("base64") } });
    expect((secret.metadata as { managedFields: { manager: string; operation: string }[] }).managedFields.map((m) => `${m.manager}:${m.operation}`)).toEqual(["kubectl-create:Update"]);
  });

  it.skipIf(kubectlMissing)(`a protobuf body of a kind the double does not decode (a Deployment; kube-apiserver reads every built-in kind) is 415, worded as kube-apiserver words it for a custom resource (${kubectlMissing ?? "kubectl found"})`, async () => {
    await rig.kubectl(["create", "namespace", "b"]);
    const refused = await rig.kubectl(["create", "deployment", "web", "-n", "b", "--image=nginx:1.27"]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml") });
  });
});
