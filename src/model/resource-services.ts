import { getOption, hasOption, type DescField, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { resource as resourceOption, verb as verbOption, Verb } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";
import type { KindInfo, KindRegistry } from "./kind-registry.js";

/** One method of a typed resource service and the fields its generic implementation reads and writes. */
export interface ResourceMethod {
  readonly verb: Verb;
  readonly method: DescMethod;
  /** The request or response field holding the object (or the list of objects, for LIST). */
  readonly objectField: DescField;
}

/** A typed resource service (ProjectService, ...) described by its options, for one generic implementation. */
export interface ResourceService {
  readonly service: DescService;
  readonly kind: KindInfo;
  readonly methods: ReadonlyMap<Verb, ResourceMethod>;
}

/** Scalar request fields each verb must carry; "namespace" is added for namespaced kinds. */
const requestFields: Record<Verb, readonly string[]> = {
  [Verb.UNSPECIFIED]: [],
  [Verb.CREATE]: ["dry_run"],
  [Verb.UPDATE]: ["dry_run"],
  [Verb.GET]: ["name"],
  [Verb.DELETE]: ["name", "propagation_policy", "resource_version"],
  [Verb.LIST]: ["label_selector", "page_size", "page_token"],
  [Verb.WATCH]: ["label_selector", "resource_version"],
};

/**
 * Reads the resource and verb options of a service and checks that its messages follow the
 * conventions the generic implementation relies on. Undefined for services without the resource
 * option; throws, naming the method and field, for a service that breaks a convention.
 */
export function describeResourceService(service: DescService, registry: KindRegistry): ResourceService | undefined {
  if (!hasOption(service, resourceOption)) return undefined;
  const typeName = getOption(service, resourceOption);
  const kind = registry.bySchema(typeName);
  if (!kind) throw new Error(`${service.typeName}: resource ${typeName} is not a registered kind`);
  const methods = new Map<Verb, ResourceMethod>();
  for (const method of service.methods) {
    const verb = hasOption(method, verbOption) ? getOption(method, verbOption) : Verb.UNSPECIFIED;
    if (verb === Verb.UNSPECIFIED) continue;
    const where = `${service.typeName}.${method.name}`;
    const needed = [...requestFields[verb], ...(kind.namespaced && verb !== Verb.CREATE && verb !== Verb.UPDATE ? ["namespace"] : [])];
    for (const name of needed) {
      if (!method.input.fields.some((f) => f.name === name)) throw new Error(`${where}: request lacks field ${name}`);
    }
    if (verb === Verb.WATCH && method.methodKind !== "server_streaming") throw new Error(`${where}: must stream`);
    const carrier = verb === Verb.CREATE || verb === Verb.UPDATE ? method.input : method.output;
    const objectField = carrier.fields.find((f) => f.message?.typeName === typeName);
    if (!objectField) throw new Error(`${where}: ${carrier.typeName} has no ${kind.kind} field`);
    if ((verb === Verb.LIST) !== (objectField.fieldKind === "list")) {
      throw new Error(`${where}: ${objectField.name} must ${verb === Verb.LIST ? "" : "not "}be repeated`);
    }
    methods.set(verb, { verb, method, objectField });
  }
  for (const verb of [Verb.CREATE, Verb.GET, Verb.LIST, Verb.UPDATE, Verb.DELETE, Verb.WATCH]) {
    if (!methods.has(verb)) throw new Error(`${service.typeName}: no method with verb ${Verb[verb]}`);
  }
  return { service, kind, methods };
}
