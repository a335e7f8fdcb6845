import { StringFormat } from "../../gen/openchoreo/meta/v1alpha1/registry_pb.js";

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const goDuration = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why a value breaks a string format, or "" when it does not. */
export function formatProblem(format: StringFormat, value: string): string {
  switch (format) {
    case StringFormat.DNS1123_LABEL:
      return value.length <= 63 && dns1123Label.test(value)
        ? ""
        : "must be a DNS-1123 label: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit";
    case StringFormat.DNS1123_SUBDOMAIN:
      return value.length <= 253 && dns1123Subdomain.test(value)
        ? ""
        : "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters";
    case StringFormat.DURATION:
      return goDuration.test(value) ? "" : "must be a duration such as 30s, 5m or 1h30m";
    default:
      return "";
  }
}

/** Why a label or annotation key is invalid ("prefix/name", prefix a DNS subdomain), or "". */
export function qualifiedKeyProblem(key: string): string {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : "";
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && formatProblem(StringFormat.DNS1123_SUBDOMAIN, prefix)) {
    return "key prefix must be a DNS-1123 subdomain";
  }
  if (name.length === 0 || name.length > 63 || !qualifiedNamePart.test(name)) {
    return "key name must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  }
  return "";
}

/** Why a label value is invalid, or "". */
export function labelValueProblem(value: string): string {
  return value.length <= 63 && labelValue.test(value)
    ? ""
    : "label value must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
}
