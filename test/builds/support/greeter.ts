/** Where the greeter is built from (Component.spec.build and Build.spec alike), at the given indent. */
function buildSource(indent: string): string {
  return `repository:
  appPath: /service-go-greeter
  revision: {branch: main}
  url: https://github.com/openchoreo/sample-workloads
templateRef:
  name: docker
  parameters:
    - {name: docker-context, value: /service-go-greeter}
    - {name: dockerfile-path, value: /service-go-greeter/Dockerfile}
`
    .split("\n")
    .map((line) => (line ? indent + line : line))
    .join("\n");
}

/**
 * A from-source component in the shape of OpenChoreo's go-docker-greeter sample: a Component with
 * its build spec (docker template) and its Service (workloadName, one REST API).
 */
export const greeterComponent = `
apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata: {name: greeting-service, namespace: default}
spec:
  owner: {projectName: default}
  type: Service
  build:
${buildSource("    ")}---
apiVersion: openchoreo.dev/v1alpha1
kind: Service
metadata: {name: greeting-service, namespace: default}
spec:
  owner: {projectName: default, componentName: greeting-service}
  workloadName: go-greeter-service
  className: default
  apis:
    greeter-api:
      type: REST
      className: default
      rest:
        backend: {port: 9090, basePath: /greeter}
        exposeLevels: [Public]
`;

/** A Build of the greeter, as the sample writes one. */
export function greeterBuild(name: string): string {
  return `
apiVersion: openchoreo.dev/v1alpha1
kind: Build
metadata: {name: ${name}, namespace: default}
spec:
  owner: {projectName: default, componentName: greeting-service}
${buildSource("  ")}`;
}
