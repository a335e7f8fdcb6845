import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { readBuildTemplates } from "../../src/controllers/build/build-templates.js";
import { argoProblems } from "./support/argo-model.js";
import { schemasPresent, schemasSkipReason } from "../support/shared-schemas.js";
import { referenceDir, referencePresent, referenceSkipReason } from "../support/shared-reference.js";

interface Template {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    entrypoint: string;
    arguments?: { parameters?: { name: string; value?: string; description?: string }[] };
    templates: { name: string; steps?: { name: string; template: string }[][]; outputs?: { parameters?: { name: string }[] }; container?: { volumeMounts?: { name: string; mountPath: string }[] } }[];
    volumes?: { name: string; hostPath?: { path: string } }[];
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
}

const templates = readBuildTemplates() as unknown as Template[];
const byName = new Map(templates.map((t) => [t.metadata.name, t]));
const steps = ["clone-step", "build-step", "push-step", "workload-create-step"];

/** OpenChoreo's Helm-templated file, its template directives dropped, as plain YAML. */
function openChoreoTemplate(name: string): Template {
  const text = readFileSync(join(referenceDir, "workflow-templates", `${name}.yaml`), "utf8");
  return parse(text.split("\n").filter((line) => !/^\s*\{\{/.test(line)).join("\n")) as Template;
}

if (!referencePresent) console.warn(referenceSkipReason);

describe("the build templates under deploy/build-templates", () => {
  it("are the four build kinds, each described", () => {
    expect([...byName.keys()]).toEqual(["ballerina-buildpack", "docker", "google-cloud-buildpacks", "react"]);
    for (const template of templates) {
      expect(template.metadata.annotations?.["openchoreo.dev/description"], template.metadata.name).toBeTruthy();
    }
  });

  it.skipIf(!schemasPresent)(`are each a ClusterWorkflowTemplate Argo's CRD schema accepts${schemasPresent ? "" : ` (${schemasSkipReason})`}`, () => {
    for (const template of templates) expect(argoProblems(template as never), template.metadata.name).toEqual([]);
  });

  it.skipIf(!schemasPresent)("refuses a template Argo would refuse (the check can fail)", () => {
    const docker = structuredClone(byName.get("docker")!) as unknown as { spec: { templates: { container?: { image?: unknown } }[] } };
    docker.spec.templates[1]!.container!.image = 42;
    expect(argoProblems(docker as never)).not.toEqual([]);
  });

  it("run clone, build, push and workload-create in that order, with the outputs the build controller reads", () => {
    for (const template of templates) {
      const entry = template.spec.templates.find((t) => t.name === template.spec.entrypoint);
      expect(entry?.steps?.map((group) => group.map((s) => s.name)), template.metadata.name).toEqual(steps.map((s) => [s]));
      const outputs = (step: string) => template.spec.templates.find((t) => t.name === step)?.outputs?.parameters?.map((p) => p.name);
      expect(outputs("clone-step")).toEqual(["git-revision"]);
      expect(outputs("push-step")).toEqual(["image"]);
      expect(outputs("workload-create-step")).toEqual(["workload"]);
    }
  });

  it("share a workspace volume between steps and keep a layer cache on the node", () => {
    for (const template of templates) {
      expect(template.spec.volumeClaimTemplates?.map((v) => v.metadata.name)).toEqual(["workspace"]);
      expect(template.spec.volumes?.find((v) => v.name === "podman-cache")?.hostPath?.path).toBe("/shared/podman/cache");
      for (const step of steps) {
        const mounts = template.spec.templates.find((t) => t.name === step)?.container?.volumeMounts ?? [];
        expect(mounts.map((m) => m.name), `${template.metadata.name} ${step}`).toContain("workspace");
      }
      const build = template.spec.templates.find((t) => t.name === "build-step")?.container?.volumeMounts ?? [];
      expect(build.map((m) => m.name), template.metadata.name).toContain("podman-cache");
    }
  });

  it.skipIf(!referencePresent)("declare the same parameters as OpenChoreo's templates, each described", () => {
    for (const name of byName.keys()) {
      const ours = byName.get(name)!.spec.arguments?.parameters ?? [];
      const theirs = openChoreoTemplate(name).spec.arguments?.parameters ?? [];
      expect(ours.map((p) => p.name), name).toEqual(theirs.map((p) => p.name));
      for (const parameter of ours) expect(parameter.description, `${name} ${parameter.name}`).toBeTruthy();
      const theirSteps = openChoreoTemplate(name).spec.templates.find((t) => t.name === "build-workflow")?.steps?.map((g) => g[0]!.name);
      expect(theirSteps, name).toEqual(steps);
    }
  });
});
