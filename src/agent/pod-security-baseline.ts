import { isJsonObject, type JsonObject, type JsonValue } from "../model/json.js";
import { groupKind } from "./plane-allow-list.js";

/** What an exempted object (a privileged build template) may do beyond the baseline. */
export interface BaselineExemption {
  readonly privileged: boolean;
  readonly hostPath: boolean;
}

const none: BaselineExemption = { privileged: false, hostPath: false };

// The Kubernetes Pod Security Standards, "baseline" level: what a pod may ask for without a known
// privilege escalation.
const allowedCapabilities = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);
const allowedSysctls = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const allowedSeLinuxTypes = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const appArmorAnnotation = "container.apparmor.security.beta.kubernetes.io/";

const objectAt = (value: JsonValue | undefined): JsonObject | undefined => (isJsonObject(value) ? value : undefined);
const listAt = (value: JsonValue | undefined): JsonValue[] => (Array.isArray(value) ? value : []);

/** Where pod specs sit in a workload kind: the path to the pod template (metadata and spec). */
const podTemplatePaths: Readonly<Record<string, readonly string[]>> = {
  "apps/Deployment": ["spec", "template"],
  "apps/StatefulSet": ["spec", "template"],
  "apps/DaemonSet": ["spec", "template"],
  "apps/ReplicaSet": ["spec", "template"],
  "/ReplicationController": ["spec", "template"],
  "batch/Job": ["spec", "template"],
  "batch/CronJob": ["spec", "jobTemplate", "spec", "template"],
  "/Pod": [],
};
/** Argo kinds: where their WorkflowSpec is. */
const workflowSpecPaths: Readonly<Record<string, readonly string[]>> = {
  "argoproj.io/Workflow": ["spec"],
  "argoproj.io/WorkflowTemplate": ["spec"],
  "argoproj.io/ClusterWorkflowTemplate": ["spec"],
  "argoproj.io/CronWorkflow": ["spec", "workflowSpec"],
};

function dig(object: JsonObject, path: readonly string[]): JsonObject | undefined {
  let current: JsonObject | undefined = object;
  for (const key of path) current = objectAt(current?.[key]);
  return current;
}

/**
 * The baseline violations of the pods a manifest asks for, each as "field path: what is wrong"; empty
 * when it passes or carries no pod. Argo's Workflow kinds are pods too: the workflow-level pod fields,
 * every template's pod fields and every container a template runs.
 */
export function podSecurityViolations(manifest: JsonObject, exemption: BaselineExemption = none): string[] {
  const out: string[] = [];
  const key = groupKind(String(manifest.apiVersion ?? ""), String(manifest.kind ?? ""));
  const templatePath = podTemplatePaths[key];
  if (templatePath) {
    const template = templatePath.length ? dig(manifest, templatePath) : manifest;
    const at = templatePath.join(".");
    const prefix = at ? `${at}.` : "";
    if (template) {
      checkAnnotations(objectAt(objectAt(template.metadata)?.annotations), `${prefix}metadata.annotations`, out);
      const spec = objectAt(template.spec);
      if (spec) checkPodSpec(spec, `${prefix}spec`, exemption, out);
    }
  }
  const workflowPath = workflowSpecPaths[key];
  const workflow = workflowPath ? dig(manifest, workflowPath) : undefined;
  if (workflowPath && workflow) checkWorkflowSpec(workflow, workflowPath.join("."), exemption, out);
  return out;
}

function checkPodSpec(spec: JsonObject, at: string, exemption: BaselineExemption, out: string[]): void {
  checkPodFields(spec, at, exemption, out);
  for (const field of ["containers", "initContainers", "ephemeralContainers"]) {
    listAt(spec[field]).forEach((c, i) => checkContainer(objectAt(c), `${at}.${field}[${i}]`, exemption, out));
  }
}

function checkWorkflowSpec(spec: JsonObject, at: string, exemption: BaselineExemption, out: string[]): void {
  checkPodFields(spec, at, exemption, out);
  checkAnnotations(objectAt(objectAt(spec.podMetadata)?.annotations), `${at}.podMetadata.annotations`, out);
  const templates: [JsonObject | undefined, string][] = [
    [objectAt(spec.templateDefaults), `${at}.templateDefaults`],
    ...listAt(spec.templates).map((t, i): [JsonObject | undefined, string] => [objectAt(t), `${at}.templates[${i}]`]),
  ];
  for (const [template, path] of templates) {
    if (!template) continue;
    checkPodFields(template, path, exemption, out);
    checkAnnotations(objectAt(objectAt(template.metadata)?.annotations), `${path}.metadata.annotations`, out);
    checkContainer(objectAt(template.container), `${path}.container`, exemption, out);
    checkContainer(objectAt(template.script), `${path}.script`, exemption, out);
    listAt(objectAt(template.containerSet)?.containers).forEach((c, i) => checkContainer(objectAt(c), `${path}.containerSet.containers[${i}]`, exemption, out));
    for (const field of ["initContainers", "sidecars"]) listAt(template[field]).forEach((c, i) => checkContainer(objectAt(c), `${path}.${field}[${i}]`, exemption, out));
  }
}

/** Pod-level fields: host namespaces, the pod's security context, volumes; Argo's spec patch. */
function checkPodFields(pod: JsonObject, at: string, exemption: BaselineExemption, out: string[]): void {
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[field] === true) out.push(`${at}.${field}: host namespaces are not allowed`);
  // A patch is applied to the pod after any check could see it.
  if (pod.podSpecPatch !== undefined && pod.podSpecPatch !== "") out.push(`${at}.podSpecPatch: a pod spec patch cannot be checked and is not allowed`);
  const context = objectAt(pod.securityContext);
  if (context) {
    checkSecurityContext(context, `${at}.securityContext`, out);
    listAt(context.sysctls).forEach((s, i) => {
      const name = objectAt(s)?.name;
      if (typeof name !== "string" || !allowedSysctls.has(name)) out.push(`${at}.securityContext.sysctls[${i}]: ${JSON.stringify(name ?? null)} is not a safe sysctl`);
    });
  }
  if (!exemption.hostPath) {
    listAt(pod.volumes).forEach((v, i) => {
      if (objectAt(v)?.hostPath !== undefined) out.push(`${at}.volumes[${i}].hostPath: hostPath volumes are not allowed`);
    });
  }
}

function checkContainer(container: JsonObject | undefined, at: string, exemption: BaselineExemption, out: string[]): void {
  if (!container) return;
  listAt(container.ports).forEach((p, i) => {
    const hostPort = objectAt(p)?.hostPort;
    if (hostPort !== undefined && hostPort !== 0) out.push(`${at}.ports[${i}].hostPort: host ports are not allowed`);
  });
  const context = objectAt(container.securityContext);
  if (!context) return;
  if (context.privileged === true && !exemption.privileged) out.push(`${at}.securityContext.privileged: privileged containers are not allowed`);
  listAt(objectAt(context.capabilities)?.add).forEach((c, i) => {
    if (typeof c !== "string" || !allowedCapabilities.has(c.replace(/^CAP_/, ""))) out.push(`${at}.securityContext.capabilities.add[${i}]: ${JSON.stringify(c)} is beyond the baseline capabilities`);
  });
  if (context.procMount !== undefined && context.procMount !== "Default") out.push(`${at}.securityContext.procMount: only Default is allowed`);
  checkSecurityContext(context, `${at}.securityContext`, out);
}

/** What pod and container security contexts share: Windows host processes, SELinux, seccomp, AppArmor. */
function checkSecurityContext(context: JsonObject, at: string, out: string[]): void {
  if (objectAt(context.windowsOptions)?.hostProcess === true) out.push(`${at}.windowsOptions.hostProcess: host processes are not allowed`);
  const seLinux = objectAt(context.seLinuxOptions);
  if (seLinux) {
    const type = seLinux.type ?? "";
    if (typeof type !== "string" || !allowedSeLinuxTypes.has(type)) out.push(`${at}.seLinuxOptions.type: ${JSON.stringify(type)} is not allowed`);
    for (const field of ["user", "role"]) if (seLinux[field] !== undefined && seLinux[field] !== "") out.push(`${at}.seLinuxOptions.${field}: must not be set`);
  }
  if (objectAt(context.seccompProfile)?.type === "Unconfined") out.push(`${at}.seccompProfile.type: Unconfined is not allowed`);
  if (objectAt(context.appArmorProfile)?.type === "Unconfined") out.push(`${at}.appArmorProfile.type: Unconfined is not allowed`);
}

function checkAnnotations(annotations: JsonObject | undefined, at: string, out: string[]): void {
  for (const [name, value] of Object.entries(annotations ?? {})) {
    if (!name.startsWith(appArmorAnnotation)) continue;
    if (value !== "runtime/default" && !(typeof value === "string" && value.startsWith("localhost/"))) out.push(`${at}["${name}"]: ${JSON.stringify(value)} is not an allowed AppArmor profile`);
  }
}
