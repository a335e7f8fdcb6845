import { InvalidSpecError } from "../errors/index.js";

/** Where the next page of a list starts: the snapshot every page shows, and the last key returned. */
export interface ContinuePosition {
  readonly revision: number;
  readonly namespace: string;
  readonly name: string;
}

export function encodeContinue(position: ContinuePosition): string {
  return Buffer.from(JSON.stringify([position.revision, position.namespace, position.name])).toString("base64url");
}

export function decodeContinue(token: string): ContinuePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== "string" ||
    typeof parsed[2] !== "string"
  ) {
    throw new InvalidSpecError([{ path: "continue", message: "is not a continue token of this store" }]);
  }
  return { revision: parsed[0] as number, namespace: parsed[1], name: parsed[2] };
}
