export { createKindRegistry, type KindInfo, type KindRegistry } from "./kind-registry.js";
export { createCodec, type Codec, type KindObject } from "./codec.js";
export { validateObject, type ValidateOptions } from "./validate-object.js";
export { checkRules, type ObjectPart } from "./check-rules.js";
export { applyDefaults } from "./apply-defaults.js";
export { redactSecrets, keepRedactedSecrets, REDACTED } from "./secret-fields.js";
export { formatProblem, qualifiedKeyProblem, labelValueProblem } from "./names.js";
export { isJsonObject, jsonEqual, getPath, type JsonObject, type JsonValue } from "./json.js";
