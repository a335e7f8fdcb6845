/** How a test's Service component differs from the plainest one. */
export interface ServiceComponentOptions {
  /** Omitted: the server's default namespace. */
  readonly namespace?: string;
  /** Default `ghcr.io/acme/<name>:1.0.0`. */
  readonly image?: string;
  /** Environment variables of the container. */
  readonly env?: Readonly<Record<string, string>>;
  /** Another component of the project whose `api` endpoint this one connects to (UPSTREAM_URL). */
  readonly calls?: string;
}

/**
 * A Service component of the default project as YAML: Component, Workload (one container, endpoint
 * `api` on port 9090) and Service (that endpoint as a public REST API at `/<name>`).
 */
export function serviceComponent(name: string, options: ServiceComponentOptions = {}): string {
  const namespace = options.namespace ? `\n  namespace: ${options.namespace}` : "";
  const env = Object.entries(options.env ?? {});
  const envYaml = env.length ? `\n      env:\n${env.map(([key, value]) => `        - {key: ${key}, value: ${JSON.stringify(value)}}`).join("\n")}` : "";
  const connections = options.calls
    ? `
  connections:
    upstream:
      type: api
      params: {projectName: default, componentName: ${options.calls}, endpoint: api}
      inject:
        env:
          - {name: UPSTREAM_URL, value: "{{ .url }}"}`
    : "";
  return `apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata:
  name: ${name}${namespace}
spec:
  owner: {projectName: default}
  type: Service
---
apiVersion: openchoreo.dev/v1alpha1
kind: Workload
metadata:
  name: ${name}${namespace}
spec:
  owner: {projectName: default, componentName: ${name}}
  containers:
    main:
      image: ${options.image ?? `ghcr.io/acme/${name}:1.0.0`}${envYaml}
  endpoints:
    api: {type: REST, port: 9090}${connections}
---
apiVersion: openchoreo.dev/v1alpha1
kind: Service
metadata:
  name: ${name}${namespace}
spec:
  owner: {projectName: default, componentName: ${name}}
  workloadName: ${name}
  apis:
    api:
      type: REST
      rest:
        backend: {port: 9090, basePath: /${name}}
        exposeLevels: [Public]
`;
}
