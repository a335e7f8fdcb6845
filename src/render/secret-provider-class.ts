import { yaml, type JsonObject } from "../model/index.js";
import type { SecretStoreSettings } from "./data-plane-settings.js";
import { objectMeta, scopeLabels } from "./object-meta.js";
import type { ComponentScope } from "./scope.js";

/** A value kept in the secrets store, and the key it gets in the synced Secret (and its file name). */
export interface SecretObject {
  readonly objectName: string;
  readonly secretPath: string;
}

/**
 * A Secrets Store CSI SecretProviderClass that reads `objects` from the store (by path, never a
 * value) and syncs them into a Secret of the same name, which containers reference by key. The
 * driver creates that Secret only while a pod mounts the class's volume: see `secretsVolume`.
 */
export function renderSecretProviderClass(
  name: string,
  namespace: string,
  scope: ComponentScope,
  objects: readonly SecretObject[],
  store: SecretStoreSettings,
): JsonObject {
  const entries = objects.map((o) => ({ objectName: o.objectName, secretPath: o.secretPath, secretKey: store.secretKey }));
  return {
    apiVersion: "secrets-store.csi.x-k8s.io/v1",
    kind: "SecretProviderClass",
    metadata: objectMeta(name, namespace, scope),
    spec: {
      provider: store.provider,
      parameters: { ...store.parameters, objects: yaml().stringify(entries) },
      secretObjects: [
        {
          secretName: name,
          type: "Opaque",
          labels: scopeLabels(scope),
          data: objects.map((o) => ({ objectName: o.objectName, key: o.objectName })),
        },
      ],
    },
  };
}

/** The pod volume of a SecretProviderClass, and its read-only mount. */
export function secretsVolume(name: string, store: SecretStoreSettings): { volume: JsonObject; mount: JsonObject } {
  const volume = "secrets-store";
  return {
    volume: {
      name: volume,
      csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: name } },
    },
    mount: { name: volume, mountPath: store.mountPath, readOnly: true },
  };
}
