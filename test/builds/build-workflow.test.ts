import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Namespace, ServiceAccount } from "kubernetes-models/v1";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { renderBuildWorkflow, type BuildWorkflowInput } from "../../src/render/index.js";
import { argoProblems } from "./support/argo-model.js";
import { schemasPresent, schemasSkipReason } from "../support/shared-schemas.js";

if (!schemasPresent) console.warn(`${schemasSkipReason} (the build Workflow is compared with its golden file only)`);

// Golden files: the exact objects a build sends to its build plane. Review a diff, then rewrite
// them with UPDATE_GOLDEN=1.
const goldenDir = new URL("./golden/", import.meta.url).pathname;
const updateGolden = process.env.UPDATE_GOLDEN === "1";

/** The greeter of the from-source samples (go-docker-greeter). */
const greeter: BuildWorkflowInput = {
  organization: "default",
  project: "default",
  component: "greeting-service",
  buildName: "greeting-service-build-01",
  repository: { url: "https://github.com/openchoreo/sample-workloads", appPath: "/service-go-greeter", branch: "main" },
  template: {
    name: "docker",
    parameters: [
      { name: "docker-context", value: "/service-go-greeter" },
      { name: "dockerfile-path", value: "/service-go-greeter/Dockerfile" },
    ],
  },
  registryPrefix: "registry.example.com/acme",
  cancelled: false,
};

const cases: Record<string, BuildWorkflowInput> = {
  "docker-greeter": greeter,
  "commit-without-branch": { ...greeter, buildName: "greeting-service-build-2", repository: { url: greeter.repository.url, appPath: "/service-go-greeter", commit: "a1b2c3d4e5f6" } },
  "react-cancelled": {
    ...greeter,
    component: "react-starter",
    buildName: "react-starter-build-1",
    repository: { url: "https://github.com/openchoreo/sample-workloads", appPath: "/webapp-react-nginx", branch: "main" },
    template: { name: "react", parameters: [{ name: "node-version", value: "20" }] },
    cancelled: true,
  },
};

const models: Record<string, new (data: never) => { validate(): void }> = { Namespace, ServiceAccount, Role, RoleBinding };

function problems(object: Record<string, unknown>): string[] {
  if (object.kind === "Workflow") return schemasPresent ? argoProblems(object) : [];
  try {
    new models[String(object.kind)]!(object as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

describe("renderBuildWorkflow", () => {
  for (const [name, input] of Object.entries(cases)) {
    it(`renders ${name} as in its golden file, every object valid`, () => {
      const manifests = renderBuildWorkflow(input);
      for (const object of manifests) expect(problems(object), `${object.kind}`).toEqual([]);
      const text = `# Rendered by test/builds/build-workflow.test.ts: rewrite with UPDATE_GOLDEN=1 after reviewing a change.\n${stringify(manifests, { lineWidth: 0, aliasDuplicateObjects: false })}`;
      const file = `${goldenDir}${name}.yaml`;
      if (updateGolden || !existsSync(file)) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  }

  it("passes the build's parameters as strings, branch main by default, an empty commit when none", () => {
    const workflow = renderBuildWorkflow({ ...greeter, repository: { url: "https://git.example/r", appPath: "/" } }).at(-1)!;
    const parameters = Object.fromEntries(((workflow.spec as { arguments: { parameters: { name: string; value: string }[] } }).arguments.parameters).map((p) => [p.name, p.value]));
    expect(parameters).toEqual({
      "project-name": "default",
      "component-name": "greeting-service",
      "git-repo": "https://git.example/r",
      branch: "main",
      commit: "",
      "app-path": "/",
      "image-name": "registry.example.com/acme/default-greeting-service",
      "build-name": "greeting-service-build-01",
      "docker-context": "/service-go-greeter",
      "dockerfile-path": "/service-go-greeter/Dockerfile",
    });
  });

  it("keeps a template parameter from replacing one the build decides", () => {
    const workflow = renderBuildWorkflow({ ...greeter, template: { name: "docker", parameters: [{ name: "image-name", value: "evil/image" }] } }).at(-1)!;
    const values = (workflow.spec as { arguments: { parameters: { name: string; value: string }[] } }).arguments.parameters.filter((p) => p.name === "image-name");
    expect(values).toEqual([{ name: "image-name", value: "registry.example.com/acme/default-greeting-service" }]);
  });

  it("stops a cancelled build with Argo's own shutdown, never by deleting it", () => {
    const [running, cancelled] = [false, true].map((c) => renderBuildWorkflow({ ...greeter, cancelled: c }).at(-1)!);
    expect((running!.spec as Record<string, unknown>).shutdown).toBeUndefined();
    expect((cancelled!.spec as Record<string, unknown>).shutdown).toBe("Terminate");
    expect(cancelled!.metadata).toEqual(running!.metadata);
  });
});
