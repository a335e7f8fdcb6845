import { getOption, hasOption, type DescField } from "@bufbuild/protobuf";
import { field as fieldOption, type FieldRules } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";

const cache = new WeakMap<DescField, FieldRules | null>();

/** The registry's rules of a field, undefined when it declares none. Read once per field, then cached. */
export function fieldRulesOf(field: DescField): FieldRules | undefined {
  let rules = cache.get(field);
  if (rules === undefined) {
    rules = hasOption(field, fieldOption) ? getOption(field, fieldOption) : null;
    cache.set(field, rules);
  }
  return rules ?? undefined;
}
