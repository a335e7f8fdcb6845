export { createKubernetesStore, type KubernetesStoreOptions } from "./kubernetes-store.js";
export { createKubeRestClient, KubeApiError, isKubeApiError, type KubeRestClient, type KubeRequest } from "./kube-rest-client.js";
export { createKubernetesLeaseClient } from "./kubernetes-lease-client.js";
export { checkCustomResourceDefinitions, CustomResourceDefinitionError } from "./check-custom-resource-definitions.js";
export { loadKubeConfig } from "./load-kube-config.js";
export { createKubernetesAuditLog, type KubernetesAuditLogOptions } from "./kubernetes-audit-log.js";
export { createKubernetesLogStore, type KubernetesLogStoreOptions } from "./kubernetes-log-store.js";
export { storageCrd, storageKinds } from "./storage-crds.js";
export { createKubernetesReplicaDirectory, type KubernetesReplicaDirectory, type KubernetesReplicaDirectoryOptions } from "./kubernetes-replica-directory.js";
