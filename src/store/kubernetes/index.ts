export { createKubernetesStore, type KubernetesStoreOptions } from "./kubernetes-store.js";
export { createKubeRestClient, KubeApiError, isKubeApiError, type KubeRestClient, type KubeRequest } from "./kube-rest-client.js";
export { createKubernetesLeaseClient } from "./kubernetes-lease-client.js";
export { checkCustomResourceDefinitions, CustomResourceDefinitionError } from "./check-custom-resource-definitions.js";
export { loadKubeConfig } from "./load-kube-config.js";
