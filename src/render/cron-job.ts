import { isJsonObject, type JsonObject } from "../model/index.js";
import type { BindingView } from "./binding-view.js";
import { deepMerge } from "./deep-merge.js";
import { objectMeta, scopeLabels } from "./object-meta.js";
import { cronJobName } from "./object-names.js";

/**
 * The batch/v1 CronJob of a ScheduledTask binding: the Class's cronJobTemplate with the merged pod
 * template as its Job's. Suspend suspends the schedule (Jobs already running finish).
 */
export function renderCronJob(view: BindingView, classTemplate: JsonObject, podTemplate: JsonObject): JsonObject {
  const suspend = view.releaseState === "Suspend" ? true : typeof classTemplate.suspend === "boolean" ? classTemplate.suspend : false;
  const spec = deepMerge(classTemplate, { suspend, jobTemplate: { metadata: { labels: scopeLabels(view.scope) } } });
  const jobTemplate = isJsonObject(spec.jobTemplate) ? spec.jobTemplate : {};
  const jobSpec = isJsonObject(jobTemplate.spec) ? jobTemplate.spec : {};
  // A Job's pods must not restart forever: OnFailure unless the Class says Never.
  jobTemplate.spec = { ...jobSpec, template: deepMerge({ spec: { restartPolicy: "OnFailure" } }, podTemplate) };
  spec.jobTemplate = jobTemplate;
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: objectMeta(cronJobName(view.scope), view.namespace, view.scope),
    spec,
  };
}
