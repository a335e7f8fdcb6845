import type { ConfigurationGroup, ConfigurationValue } from "../../gen/openchoreo/model/v1alpha1/configuration_group_pb.js";
import type { ConfigurationGroupRef } from "../../gen/openchoreo/model/v1alpha1/common_pb.js";
import type { JsonObject } from "../model/index.js";
import type { BindingView } from "./binding-view.js";
import type { DataPlaneSettings } from "./data-plane-settings.js";
import { objectMeta } from "./object-meta.js";
import { configMapName, secretsName } from "./object-names.js";
import { renderError, type RenderProblem } from "./render-problem.js";
import { renderSecretProviderClass, secretsVolume, type SecretObject } from "./secret-provider-class.js";
import { sortedEntries } from "./sorted-entries.js";

export interface ConfigurationRender {
  /** The ConfigMap of resolved values and the SecretProviderClass of vault keys, when there are any. */
  readonly manifests: JsonObject[];
  /** Each workload container's environment as Kubernetes EnvVars, in declared order. */
  readonly containerEnv: ReadonlyMap<string, JsonObject[]>;
  /** The secrets volume, and its mount for each container that reads a secret. */
  readonly secrets: { readonly volume: JsonObject; readonly mount: JsonObject; readonly containers: ReadonlySet<string> } | undefined;
  readonly problems: RenderProblem[];
}

/**
 * The environment of a binding's containers. Literal values stay inline. A `configurationGroupRef`
 * (or `secretRef`) resolves, for this environment, in the named ConfigurationGroup: a plain value
 * goes into the component's ConfigMap, a `vaultKey` into its SecretProviderClass (only the key's
 * path is rendered, never a value), and the variable refers to either by key. An unresolvable
 * reference is reported and its variable left out.
 */
export function renderConfiguration(
  view: BindingView,
  groups: readonly ConfigurationGroup[],
  settings: DataPlaneSettings,
): ConfigurationRender {
  const problems: RenderProblem[] = [];
  const configData = new Map<string, string>();
  const secretObjects = new Map<string, SecretObject>();
  const secretContainers = new Set<string>();
  const containerEnv = new Map<string, JsonObject[]>();
  const configMap = configMapName(view.scope);
  const secrets = secretsName(view.scope);

  for (const [containerName, container] of sortedEntries(view.workload.containers)) {
    const env: JsonObject[] = [];
    for (const variable of container.env) {
      const name = variable.key ?? "";
      const ref = variable.valueFrom?.configurationGroupRef ?? variable.valueFrom?.secretRef;
      if (!ref) {
        env.push({ name, value: variable.value ?? "" });
        continue;
      }
      const resolved = resolve(ref, groups, view.scope.environment);
      if (typeof resolved === "string") {
        problems.push(renderError("ConfigurationUnresolved", `container "${containerName}" variable "${name}": ${resolved}`));
        continue;
      }
      const key = configKey(ref);
      if (resolved.vaultKey) {
        secretObjects.set(key, { objectName: key, secretPath: resolved.vaultKey });
        secretContainers.add(containerName);
        env.push({ name, valueFrom: { secretKeyRef: { name: secrets, key } } });
      } else {
        configData.set(key, resolved.value ?? "");
        env.push({ name, valueFrom: { configMapKeyRef: { name: configMap, key } } });
      }
    }
    containerEnv.set(containerName, env);
  }

  const manifests: JsonObject[] = [];
  if (configData.size > 0) {
    manifests.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: objectMeta(configMap, view.namespace, view.scope),
      data: Object.fromEntries([...configData].sort(([a], [b]) => (a < b ? -1 : 1))),
    });
  }
  if (secretObjects.size === 0) return { manifests, containerEnv, secrets: undefined, problems };
  const objects = [...secretObjects.values()].sort((a, b) => (a.objectName < b.objectName ? -1 : 1));
  manifests.push(renderSecretProviderClass(secrets, view.namespace, view.scope, objects, settings.secretStore));
  return {
    manifests,
    containerEnv,
    secrets: { ...secretsVolume(secrets, settings.secretStore), containers: secretContainers },
    problems,
  };
}

/**
 * The value of a configuration for an environment: one set for the environment by name wins over
 * one set for an environment group that holds it, which wins over one set for no environment.
 * A string says why there is none.
 */
function resolve(ref: ConfigurationGroupRef, groups: readonly ConfigurationGroup[], environment: string): ConfigurationValue | string {
  const group = groups.find((g) => g.metadata?.name === ref.name);
  if (!group) return `ConfigurationGroup "${ref.name}" not found`;
  const configuration = group.spec?.configurations.find((c) => c.key === ref.key);
  if (!configuration) return `ConfigurationGroup "${ref.name}" has no key "${ref.key}"`;
  const inGroup = (name: string | undefined) =>
    group.spec?.environmentGroups.some((g) => g.name === name && g.environments.includes(environment)) ?? false;
  const value =
    configuration.values.find((v) => v.environment === environment) ??
    configuration.values.find((v) => !v.environment && v.environmentGroupRef && inGroup(v.environmentGroupRef)) ??
    configuration.values.find((v) => !v.environment && !v.environmentGroupRef);
  return value ?? `ConfigurationGroup "${ref.name}" key "${ref.key}" has no value for environment "${environment}"`;
}

/** The key of a group's value in the ConfigMap or Secret: "<group>.<key>", in the characters keys allow. */
function configKey(ref: ConfigurationGroupRef): string {
  return `${ref.name}.${ref.key}`.replace(/[^-._a-zA-Z0-9]/g, "_");
}
