import { describe, expect, it } from "vitest";
import { allFiles } from "../../gen/index.js";
import { createKindRegistry } from "./kind-registry.js";
import { keepRedactedSecrets, REDACTED, redactSecrets } from "./secret-fields.js";

const dataPlane = createKindRegistry(allFiles).resolve("DataPlane")!;

const stored = {
  apiVersion: "openchoreo.dev/v1alpha1",
  kind: "DataPlane",
  metadata: { name: "default", namespace: "default" },
  spec: {
    kubernetesCluster: {
      name: "kind",
      credentials: { apiServerURL: "https://k8s:6443", caCert: "CA", clientCert: "CERT", clientKey: "KEY" },
    },
    observer: { url: "http://observer", authentication: { basicAuth: { username: "dev", password: "s3cret" } } },
  },
};

describe("secret fields", () => {
  it("redacts cluster credentials and observer passwords, and nothing else", () => {
    const out = redactSecrets(dataPlane.schema, stored);
    expect(JSON.stringify(out)).not.toMatch(/KEY|CERT"|s3cret/);
    expect(out).toMatchObject({
      spec: {
        kubernetesCluster: { name: "kind", credentials: { apiServerURL: "https://k8s:6443", caCert: "CA", clientCert: REDACTED, clientKey: REDACTED } },
        observer: { authentication: { basicAuth: { username: "dev", password: REDACTED } } },
      },
    });
    expect(stored.spec.kubernetesCluster.credentials.clientKey).toBe("KEY");
  });

  it("keeps the stored secret when a redacted read is written back, and takes a new one", () => {
    const readBack = redactSecrets(dataPlane.schema, stored);
    expect(keepRedactedSecrets(dataPlane.schema, readBack, stored)).toEqual(stored);
    const changed = structuredClone(readBack) as typeof stored;
    changed.spec.observer.authentication.basicAuth.password = "new";
    const merged = keepRedactedSecrets(dataPlane.schema, changed, stored) as typeof stored;
    expect(merged.spec.observer.authentication.basicAuth.password).toBe("new");
    expect(merged.spec.kubernetesCluster.credentials.clientKey).toBe("KEY");
  });
});
