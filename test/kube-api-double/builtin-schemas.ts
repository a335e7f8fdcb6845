import type { Schema } from "./structural-schema.js";

/**
 * Schemas of the built-in kinds the double knows field by field, written from the Kubernetes API
 * reference for the fields we use: unknown fields are pruned (or refused under Strict), and OpenAPI
 * publishes them for kubectl.
 */

/**
 * The definition names kube-apiserver publishes nested types under (`io.k8s.api.core.v1.Container`):
 * OpenAPI refers to them by `$ref`, which is how `kubectl explain` prints `<[]Container>`.
 */
const definitions = new WeakMap<Schema, Definition>();

/** A named type: its definition name, and its schema with the type's own description. */
export interface Definition {
  readonly name: string;
  readonly schema: Schema;
}

/** The named type a schema (or a field of that type) is published as, if it is one. */
export const definitionOf = (schema: Schema): Definition | undefined => definitions.get(schema);

const named = (name: string, schema: Schema): Schema => {
  definitions.set(schema, { name, schema });
  return schema;
};

const string: Schema = { type: "string" };
const int32: Schema = { type: "integer", format: "int32" };
const microTime: Schema = { type: "string", format: "date-time" };

/** Wraps a kind's own top-level fields with apiVersion, kind and metadata. */
export const objectSchema = (description: string, properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: "object",
  description,
  properties: { apiVersion: string, kind: string, metadata: { type: "object" }, ...properties },
  ...(required ? { required } : {}),
});

export const leaseSchema = objectSchema("Lease defines a lease concept.", {
  spec: {
    type: "object",
    description: "spec contains the specification of the Lease.",
    properties: {
      holderIdentity: { ...string, description: "holderIdentity contains the identity of the holder of a current lease." },
      leaseDurationSeconds: { ...int32, description: "leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it." },
      acquireTime: { ...microTime, description: "acquireTime is a time when the current lease was acquired." },
      renewTime: { ...microTime, description: "renewTime is a time when the current holder of a lease has last updated the lease." },
      leaseTransitions: { ...int32, description: "leaseTransitions is the number of transitions of a lease between holders." },
      strategy: { ...string, description: "Strategy indicates the strategy for picking the leader for coordinated leader election." },
      preferredHolder: { ...string, description: "PreferredHolder signals to a lease holder that the lease has a more optimal holder." },
    },
  },
});

const stringMap: Schema = { type: "object", additionalProperties: { type: "string" } };

/** ObjectMeta as OpenAPI publishes it (what `kubectl explain <kind>.metadata` shows). */
export const objectMetaSchema: Schema = named("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", {
  type: "object",
  description: "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
  properties: {
    name: { ...string, description: "Name must be unique within a namespace." },
    generateName: { ...string, description: "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided." },
    namespace: { ...string, description: "Namespace defines the space within which each name must be unique." },
    labels: { ...stringMap, description: "Map of string keys and values that can be used to organize and categorize (scope and select) objects." },
    annotations: { ...stringMap, description: "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata." },
    finalizers: { type: "array", items: string, "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge", description: "Must be empty before the object is deleted from the registry." },
    ownerReferences: {
      type: "array",
      description: "List of objects depended by this object.",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["uid"],
      "x-kubernetes-patch-merge-key": "uid",
      "x-kubernetes-patch-strategy": "merge",
      items: {
        type: "object",
        required: ["apiVersion", "kind", "name", "uid"],
        properties: { apiVersion: string, kind: string, name: string, uid: string, controller: { type: "boolean" }, blockOwnerDeletion: { type: "boolean" } },
      },
    },
    uid: { ...string, description: "UID is the unique in time and space value for this object." },
    resourceVersion: { ...string, description: "An opaque value that represents the internal version of this object." },
    generation: { type: "integer", format: "int64", description: "A sequence number representing a specific generation of the desired state." },
    creationTimestamp: { ...string, format: "date-time", description: "CreationTimestamp is a timestamp representing the server time when this object was created." },
    deletionTimestamp: { ...string, format: "date-time", description: "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted." },
    deletionGracePeriodSeconds: { type: "integer", format: "int64", description: "Number of seconds allowed for this object to gracefully terminate." },
    managedFields: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, description: "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow." },
  },
});

const bool: Schema = { type: "boolean" };
const int64: Schema = { type: "integer", format: "int64" };
const intOrString: Schema = named("io.k8s.apimachinery.pkg.util.intstr.IntOrString", {
  type: "string",
  format: "int-or-string",
  description: "IntOrString is a type that can hold an int32 or a string.",
  "x-kubernetes-int-or-string": true,
});
const stringList: Schema = { type: "array", items: string };
/** A structure the double keeps as sent: its fields are neither pruned nor validated. */
const open = (description: string): Schema => ({ type: "object", description, "x-kubernetes-preserve-unknown-fields": true });
/** A field of a named type, with the field's own description (the type keeps its name). */
const described = (schema: Schema, description: string): Schema => {
  const field = { ...schema, description };
  const definition = definitions.get(schema);
  if (definition) definitions.set(field, definition);
  return field;
};

/** A list merged by key: `x-kubernetes-list-type: map` for server-side apply, the patch merge key for strategic merge. */
const keyedList = (items: Schema, keys: string[], description: string, strategy = "merge"): Schema => ({
  type: "array",
  description,
  items,
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": keys,
  "x-kubernetes-patch-merge-key": keys[0]!,
  "x-kubernetes-patch-strategy": strategy,
});
const atomicList = (items: Schema, description: string): Schema => ({ type: "array", description, items, "x-kubernetes-list-type": "atomic" });

const labelSelector = named("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", {
  type: "object",
  description: "A label selector is a label query over a set of resources.",
  "x-kubernetes-map-type": "atomic",
  properties: {
    matchLabels: { ...stringMap, description: "matchLabels is a map of {key,value} pairs." },
    matchExpressions: atomicList(open("A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values."), "matchExpressions is a list of label selector requirements. The requirements are ANDed."),
  },
});

const containerPort = named("io.k8s.api.core.v1.ContainerPort", {
  type: "object",
  description: "ContainerPort represents a network port in a single container.",
  properties: {
    name: { ...string, description: "If specified, this must be an IANA_SVC_NAME and unique within the pod." },
    containerPort: { ...int32, description: "Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536." },
    protocol: { ...string, default: "TCP", description: 'Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".' },
    hostPort: { ...int32, description: "Number of port to expose on the host." },
    hostIP: { ...string, description: "What host IP to bind the external port to." },
  },
});

const envVar = named("io.k8s.api.core.v1.EnvVar", {
  type: "object",
  description: "EnvVar represents an environment variable present in a Container.",
  properties: {
    name: { ...string, description: "Name of the environment variable. Must be a C_IDENTIFIER." },
    value: { ...string, description: "Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables." },
    valueFrom: open("Source for the environment variable's value. Cannot be used if value is not empty."),
  },
});

const volumeMount = named("io.k8s.api.core.v1.VolumeMount", {
  type: "object",
  description: "VolumeMount describes a mounting of a Volume within a container.",
  properties: {
    name: { ...string, description: "This must match the Name of a Volume." },
    mountPath: { ...string, description: "Path within the container at which the volume should be mounted. Must not contain ':'." },
    subPath: { ...string, description: "Path within the volume from which the container's volume should be mounted." },
    subPathExpr: { ...string, description: "Expanded path within the volume from which the container's volume should be mounted." },
    readOnly: { ...bool, description: "Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false." },
    recursiveReadOnly: { ...string, description: "RecursiveReadOnly specifies whether read-only mounts should be handled recursively." },
    mountPropagation: { ...string, description: "mountPropagation determines how mounts are propagated from the host to container and the other way around." },
  },
});

const container = named("io.k8s.api.core.v1.Container", {
  type: "object",
  description: "A single application container that you want to run within a pod.",
  properties: {
    name: { ...string, description: "Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated." },
    image: { ...string, description: "Container image name." },
    imagePullPolicy: { ...string, description: "Image pull policy. One of Always, Never, IfNotPresent." },
    command: atomicList(string, "Entrypoint array. Not executed within a shell."),
    args: atomicList(string, "Arguments to the entrypoint."),
    workingDir: { ...string, description: "Container's working directory." },
    ports: keyedList(containerPort, ["containerPort", "protocol"], "List of ports to expose from the container."),
    env: keyedList(envVar, ["name"], "List of environment variables to set in the container. Cannot be updated."),
    envFrom: atomicList(open("EnvFromSource represents the source of a set of ConfigMaps or Secrets"), "List of sources to populate environment variables in the container."),
    resources: open("Compute Resources required by this container. Cannot be updated."),
    resizePolicy: atomicList(open("ContainerResizePolicy represents resource resize policy for the container."), "Resources resize policy for the container."),
    restartPolicy: { ...string, description: "RestartPolicy defines the restart behavior of individual containers in a pod." },
    volumeMounts: keyedList(volumeMount, ["mountPath"], "Pod volumes to mount into the container's filesystem. Cannot be updated."),
    volumeDevices: keyedList(open("volumeDevice describes a mapping of a raw block device within a container."), ["devicePath"], "volumeDevices is the list of block devices to be used by the container."),
    livenessProbe: open("Periodic probe of container liveness. Container will be restarted if the probe fails."),
    readinessProbe: open("Periodic probe of container service readiness."),
    startupProbe: open("StartupProbe indicates that the Pod has successfully initialized."),
    lifecycle: open("Actions that the management system should take in response to container lifecycle events."),
    terminationMessagePath: { ...string, description: "Optional: Path at which the file to which the container's termination message will be written is mounted into the container's filesystem." },
    terminationMessagePolicy: { ...string, description: "Indicate how the termination message should be populated." },
    securityContext: open("SecurityContext defines the security options the container should be run with."),
    stdin: { ...bool, description: "Whether this container should allocate a buffer for stdin in the container runtime." },
    stdinOnce: { ...bool, description: "Whether the container runtime should close the stdin channel after it has been opened by a single attach." },
    tty: { ...bool, description: "Whether this container should allocate a TTY for itself, also requires 'stdin' to be true." },
  },
});

const podSpec = named("io.k8s.api.core.v1.PodSpec", {
  type: "object",
  description: "PodSpec is a description of a pod.",
  properties: {
    containers: keyedList(container, ["name"], "List of containers belonging to the pod. Containers cannot currently be added or removed."),
    initContainers: keyedList(container, ["name"], "List of initialization containers belonging to the pod."),
    ephemeralContainers: keyedList(open("An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging."), ["name"], "List of ephemeral containers run in this pod."),
    volumes: keyedList(open("Volume represents a named volume in a pod that may be accessed by any container in the pod."), ["name"], "List of volumes that can be mounted by containers belonging to the pod.", "merge,retainKeys"),
    imagePullSecrets: keyedList(open("LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace."), ["name"], "ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec."),
    hostAliases: keyedList(open("HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file."), ["ip"], "HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified."),
    topologySpreadConstraints: keyedList(open("TopologySpreadConstraint specifies how to spread matching pods among the given topology."), ["topologyKey", "whenUnsatisfiable"], "TopologySpreadConstraints describes how a group of pods ought to spread across topology domains."),
    tolerations: atomicList(open("The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect>."), "If specified, the pod's tolerations."),
    readinessGates: atomicList(open("PodReadinessGate contains the reference to a pod condition"), "If specified, all readiness gates will be evaluated for pod readiness."),
    schedulingGates: keyedList(open("PodSchedulingGate is associated to a Pod to guard its scheduling."), ["name"], "SchedulingGates is an opaque list of values that if specified will block scheduling the pod."),
    resourceClaims: keyedList(open("PodResourceClaim references exactly one ResourceClaim."), ["name"], "ResourceClaims defines which ResourceClaims must be allocated and reserved before the Pod is allowed to start.", "merge,retainKeys"),
    restartPolicy: { ...string, description: "Restart policy for all containers within the pod. One of Always, OnFailure, Never." },
    terminationGracePeriodSeconds: { ...int64, description: "Optional duration in seconds the pod needs to terminate gracefully." },
    activeDeadlineSeconds: { ...int64, description: "Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers." },
    dnsPolicy: { ...string, description: "Set DNS policy for the pod. Defaults to \"ClusterFirst\"." },
    dnsConfig: open("Specifies the DNS parameters of a pod."),
    nodeSelector: { ...stringMap, "x-kubernetes-map-type": "atomic", description: "NodeSelector is a selector which must be true for the pod to fit on a node." },
    nodeName: { ...string, description: "NodeName indicates in which node this pod is scheduled." },
    serviceAccountName: { ...string, description: "ServiceAccountName is the name of the ServiceAccount to use to run this pod." },
    serviceAccount: { ...string, description: "DeprecatedServiceAccount is a deprecated alias for ServiceAccountName." },
    automountServiceAccountToken: { ...bool, description: "AutomountServiceAccountToken indicates whether a service account token should be automatically mounted." },
    hostNetwork: { ...bool, description: "Host networking requested for this pod." },
    hostPID: { ...bool, description: "Use the host's pid namespace." },
    hostIPC: { ...bool, description: "Use the host's ipc namespace." },
    hostUsers: { ...bool, description: "Use the host's user namespace." },
    shareProcessNamespace: { ...bool, description: "Share a single process namespace between all of the containers in a pod." },
    securityContext: open("SecurityContext holds pod-level security attributes and common container settings."),
    hostname: { ...string, description: "Specifies the hostname of the Pod." },
    subdomain: { ...string, description: "If specified, the fully qualified Pod hostname will be \"<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>\"." },
    setHostnameAsFQDN: { ...bool, description: "If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default)." },
    affinity: open("If specified, the pod's scheduling constraints"),
    schedulerName: { ...string, description: "If specified, the pod will be dispatched by specified scheduler." },
    priorityClassName: { ...string, description: "If specified, indicates the pod's priority." },
    priority: { ...int32, description: "The priority value." },
    preemptionPolicy: { ...string, description: "PreemptionPolicy is the Policy for preempting pods with lower priority." },
    runtimeClassName: { ...string, description: "RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod." },
    enableServiceLinks: { ...bool, description: "EnableServiceLinks indicates whether information about services should be injected into pod's environment variables." },
    overhead: open("Overhead represents the resource overhead associated with running a pod for a given RuntimeClass."),
    os: open("Specifies the OS of the containers in the pod."),
    resources: open("Resources is the total amount of CPU and Memory resources required by all containers in the pod."),
  },
});

const podTemplateSpec = named("io.k8s.api.core.v1.PodTemplateSpec", {
  type: "object",
  description: "PodTemplateSpec describes the data a pod should have when created from a template",
  properties: { metadata: objectMetaSchema, spec: described(podSpec, "Specification of the desired behavior of the pod.") },
});

const status = (kind: string) => open(`Most recently observed status of the ${kind}. Populated by the system. Read-only.`);

const deploymentSpec = named("io.k8s.api.apps.v1.DeploymentSpec", {
  type: "object",
  description: "DeploymentSpec is the specification of the desired behavior of the Deployment.",
  properties: {
    replicas: { ...int32, description: "Number of desired pods. Defaults to 1." },
    selector: described(labelSelector, "Label selector for pods. It must match the pod template's labels."),
    template: described(podTemplateSpec, "Template describes the pods that will be created."),
    strategy: {
      type: "object",
      description: "The deployment strategy to use to replace existing pods with new ones.",
      properties: {
        type: { ...string, description: 'Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.' },
        rollingUpdate: {
          type: "object",
          description: "Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.",
          properties: {
            maxUnavailable: described(intOrString, "The maximum number of pods that can be unavailable during the update."),
            maxSurge: described(intOrString, "The maximum number of pods that can be scheduled above the desired number of pods."),
          },
        },
      },
    },
    minReadySeconds: { ...int32, description: "Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available." },
    revisionHistoryLimit: { ...int32, description: "The number of old ReplicaSets to retain to allow rollback." },
    paused: { ...bool, description: "Indicates that the deployment is paused." },
    progressDeadlineSeconds: { ...int32, description: "The maximum time in seconds for a deployment to make progress before it is considered to be failed." },
  },
});

export const deploymentSchema = objectSchema("Deployment enables declarative updates for Pods and ReplicaSets.", {
  spec: described(deploymentSpec, "Specification of the desired behavior of the Deployment."),
  status: status("Deployment"),
});

const jobSpec = named("io.k8s.api.batch.v1.JobSpec", {
  type: "object",
  description: "JobSpec describes how the job execution will look like.",
  properties: {
    parallelism: { ...int32, description: "Specifies the maximum desired number of pods the job should run at any given time." },
    completions: { ...int32, description: "Specifies the desired number of successfully finished pods the job should be run with." },
    activeDeadlineSeconds: { ...int64, description: "Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it." },
    backoffLimit: { ...int32, description: "Specifies the number of retries before marking this job failed. Defaults to 6" },
    backoffLimitPerIndex: { ...int32, description: "Specifies the limit for the number of retries within an index before marking this index as failed." },
    maxFailedIndexes: { ...int32, description: "Specifies the maximal number of failed indexes before marking the Job as failed." },
    podFailurePolicy: open("Specifies the policy of handling failed pods."),
    successPolicy: open("successPolicy specifies the policy when the Job can be declared as succeeded."),
    selector: described(labelSelector, "A label query over pods that should match the pod count."),
    manualSelector: { ...bool, description: "manualSelector controls generation of pod labels and pod selectors." },
    template: described(podTemplateSpec, "Describes the pod that will be created when executing a job."),
    ttlSecondsAfterFinished: { ...int32, description: "ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed)." },
    completionMode: { ...string, description: "completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`." },
    suspend: { ...bool, description: "suspend specifies whether the Job controller should create Pods or not." },
    podReplacementPolicy: { ...string, description: "podReplacementPolicy specifies when to create replacement Pods." },
    managedBy: { ...string, description: "ManagedBy field indicates the controller that manages a Job." },
  },
});

export const jobSchema = objectSchema("Job represents the configuration of a single job.", {
  spec: described(jobSpec, "Specification of the desired behavior of a job."),
  status: status("Job"),
});

export const cronJobSchema = objectSchema("CronJob represents the configuration of a single cron job.", {
  spec: named("io.k8s.api.batch.v1.CronJobSpec", {
    type: "object",
    description: "CronJobSpec describes how the job execution will look like and when it will actually run.",
    properties: {
      schedule: { ...string, description: "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron." },
      timeZone: { ...string, description: "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones." },
      startingDeadlineSeconds: { ...int64, description: "Optional deadline in seconds for starting the job if it misses scheduled time for any reason." },
      concurrencyPolicy: { ...string, description: "Specifies how to treat concurrent executions of a Job: Allow, Forbid or Replace." },
      suspend: { ...bool, description: "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions." },
      jobTemplate: named("io.k8s.api.batch.v1.JobTemplateSpec", {
        type: "object",
        description: "Specifies the job that will be created when executing a CronJob.",
        properties: { metadata: objectMetaSchema, spec: described(jobSpec, "Specification of the desired behavior of the job.") },
      }),
      successfulJobsHistoryLimit: { ...int32, description: "The number of successful finished jobs to retain. Defaults to 3." },
      failedJobsHistoryLimit: { ...int32, description: "The number of failed finished jobs to retain. Defaults to 1." },
    },
  }),
  status: status("CronJob"),
});

const servicePort = named("io.k8s.api.core.v1.ServicePort", {
  type: "object",
  description: "ServicePort contains information on service's port.",
  properties: {
    name: { ...string, description: "The name of this port within the service. This must be a DNS_LABEL." },
    protocol: { ...string, default: "TCP", description: 'The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.' },
    appProtocol: { ...string, description: "The application protocol for this port." },
    port: { ...int32, description: "The port that will be exposed by this service." },
    targetPort: described(intOrString, "Number or name of the port to access on the pods targeted by the service."),
    nodePort: { ...int32, description: "The port on each node on which this service is exposed when type is NodePort or LoadBalancer." },
  },
});

export const serviceSchema = objectSchema("Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.", {
  spec: named("io.k8s.api.core.v1.ServiceSpec", {
    type: "object",
    description: "ServiceSpec describes the attributes that a user creates on a service.",
    properties: {
      ports: keyedList(servicePort, ["port", "protocol"], "The list of ports that are exposed by this service."),
      selector: { ...stringMap, "x-kubernetes-map-type": "atomic", description: "Route service traffic to pods with label keys and values matching this selector." },
      clusterIP: { ...string, description: "clusterIP is the IP address of the service and is usually assigned randomly." },
      clusterIPs: atomicList(string, "ClusterIPs is a list of IP addresses assigned to this service."),
      type: { ...string, description: "type determines how the Service is exposed. Defaults to ClusterIP." },
      externalIPs: atomicList(string, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
      sessionAffinity: { ...string, description: 'Supports "ClientIP" and "None". Used to maintain session affinity.' },
      sessionAffinityConfig: open("sessionAffinityConfig contains the configurations of session affinity."),
      loadBalancerIP: { ...string, description: "Only applies to Service Type: LoadBalancer." },
      loadBalancerSourceRanges: atomicList(string, "If specified and supported by the platform, this will restrict traffic through the cloud-provider load-balancer will be restricted to the specified client IPs."),
      loadBalancerClass: { ...string, description: "loadBalancerClass is the class of the load balancer implementation this Service belongs to." },
      allocateLoadBalancerNodePorts: { ...bool, description: "allocateLoadBalancerNodePorts defines if NodePorts will be automatically allocated for services with type LoadBalancer." },
      externalName: { ...string, description: "externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record)." },
      externalTrafficPolicy: { ...string, description: "externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service's \"externally-facing\" addresses." },
      internalTrafficPolicy: { ...string, description: "InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP." },
      healthCheckNodePort: { ...int32, description: "healthCheckNodePort specifies the healthcheck nodePort for the service." },
      publishNotReadyAddresses: { ...bool, description: "publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready." },
      ipFamilies: atomicList(string, "IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service."),
      ipFamilyPolicy: { ...string, description: "IPFamilyPolicy represents the dual-stack-ness requested or required by this Service." },
      trafficDistribution: { ...string, description: "TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints." },
    },
  }),
  status: status("Service"),
});

export const configMapSchema = objectSchema("ConfigMap holds configuration data for pods to consume.", {
  data: { ...stringMap, description: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'." },
  binaryData: { type: "object", additionalProperties: { type: "string", format: "byte" }, description: "BinaryData contains the binary data." },
  immutable: { ...bool, description: "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified)." },
});

export const secretSchema = objectSchema("Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.", {
  data: { type: "object", additionalProperties: { type: "string", format: "byte" }, description: "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string." },
  stringData: { ...stringMap, description: "stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience." },
  type: { ...string, description: "Used to facilitate programmatic handling of secret data." },
  immutable: { ...bool, description: "Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified)." },
});

export const namespaceSchema = objectSchema("Namespace provides a scope for Names. Use of multiple namespaces is optional.", {
  spec: {
    type: "object",
    description: "Spec defines the behavior of the Namespace.",
    properties: { finalizers: atomicList(string, "Finalizers is an opaque list of values that must be empty to permanently remove object from storage.") },
  },
  status: {
    type: "object",
    description: "Status describes the current status of a Namespace.",
    properties: {
      phase: { ...string, description: "Phase is the current lifecycle phase of the namespace." },
      conditions: keyedList(open("NamespaceCondition contains details about state of namespace."), ["type"], "Represents the latest available observations of a namespace's current state."),
    },
  },
});

const networkPolicyPort = named("io.k8s.api.networking.v1.NetworkPolicyPort", {
  type: "object",
  description: "NetworkPolicyPort describes a port to allow traffic on",
  properties: {
    protocol: { ...string, description: "protocol represents the protocol (TCP, UDP, or SCTP) which traffic must match. If not specified, this field defaults to TCP." },
    port: described(intOrString, "port represents the port on the given protocol."),
    endPort: { ...int32, description: "endPort indicates that the range of ports from port to endPort if set, inclusive, should be allowed by the policy." },
  },
});

const networkPolicyPeer = named("io.k8s.api.networking.v1.NetworkPolicyPeer", {
  type: "object",
  description: "NetworkPolicyPeer describes a peer to allow traffic to/from.",
  properties: {
    podSelector: described(labelSelector, "podSelector is a label selector which selects pods."),
    namespaceSelector: described(labelSelector, "namespaceSelector selects namespaces using cluster-scoped labels."),
    ipBlock: {
      type: "object",
      description: "ipBlock defines policy on a particular IPBlock.",
      properties: { cidr: { ...string, description: "cidr is a string representing the IPBlock" }, except: atomicList(string, "except is a slice of CIDRs that should not be included within an IPBlock") },
    },
  },
});

const networkPolicyRule = (direction: "from" | "to", description: string): Schema => ({
  type: "object",
  description,
  properties: {
    ports: atomicList(networkPolicyPort, "ports is a list of ports which should be made accessible on the pods selected for this rule."),
    [direction]: atomicList(networkPolicyPeer, `${direction} is a list of sources which should be able to access the pods selected for this rule.`),
  },
});

export const networkPolicySchema = objectSchema("NetworkPolicy describes what network traffic is allowed for a set of Pods", {
  spec: named("io.k8s.api.networking.v1.NetworkPolicySpec", {
    type: "object",
    description: "NetworkPolicySpec provides the specification of a NetworkPolicy",
    properties: {
      podSelector: described(labelSelector, "podSelector selects the pods to which this NetworkPolicy object applies."),
      ingress: atomicList(networkPolicyRule("from", "NetworkPolicyIngressRule describes a particular set of traffic that is allowed to the pods matched by a NetworkPolicySpec's podSelector."), "ingress is a list of ingress rules to be applied to the selected pods."),
      egress: atomicList(networkPolicyRule("to", "NetworkPolicyEgressRule describes a particular set of traffic that is allowed out of pods matched by a NetworkPolicySpec's podSelector."), "egress is a list of egress rules to be applied to the selected pods."),
      policyTypes: atomicList(string, "policyTypes is a list of rule types that the NetworkPolicy relates to."),
    },
  }),
});
