import { toJson } from "@bufbuild/protobuf";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  ConflictError,
  FailedPreconditionError,
  InvalidSpecError,
  NotFoundError,
  PermissionDeniedError,
  TooLargeError,
  TooOldResourceVersionError,
} from "../errors/index.js";
import { toConnectError } from "./to-connect-error.js";

describe("toConnectError", () => {
  it.each([
    [new NotFoundError("project p not found"), Code.NotFound],
    [new AlreadyExistsError("project p exists"), Code.AlreadyExists],
    [new ConflictError("stale resourceVersion"), Code.Aborted],
    [new PermissionDeniedError("viewer cannot create"), Code.PermissionDenied],
    [new FailedPreconditionError("organization is being deleted"), Code.FailedPrecondition],
    [new TooOldResourceVersionError("too old"), Code.FailedPrecondition],
    [new TooLargeError("object over 1 MiB"), Code.ResourceExhausted],
  ])("maps %s to its code, keeping the message", (err, code) => {
    const mapped = toConnectError(err);
    expect(mapped?.code).toBe(code);
    expect(mapped?.rawMessage).toBe(err.message);
  });

  it("recognises domain errors by name, so a second copy of the errors module still maps", () => {
    const foreign = Object.assign(new Error("gone"), { name: "NotFoundError" });
    expect(toConnectError(foreign)?.code).toBe(Code.NotFound);
  });

  it("maps InvalidSpec to invalid_argument naming the fields, with the violations as a detail", () => {
    const err = new InvalidSpecError(
      [
        { path: "spec.owner.projectName", message: "required" },
        { path: "metadata.name", message: "must be a DNS label" },
      ],
      "Component c",
    );
    const mapped = toConnectError(err);
    expect(mapped?.code).toBe(Code.InvalidArgument);
    expect(mapped?.rawMessage).toBe(
      "Component c: spec.owner.projectName: required; metadata.name: must be a DNS label",
    );
    const [violations] = mapped?.findDetails(StructSchema) ?? [];
    expect(violations && toJson(StructSchema, violations)).toEqual({
      fieldViolations: [
        { field: "spec.owner.projectName", description: "required" },
        { field: "metadata.name", description: "must be a DNS label" },
      ],
    });
  });

  it("passes ConnectErrors through untouched", () => {
    const err = new ConnectError("nope", Code.Unavailable);
    expect(toConnectError(err)).toBe(err);
  });

  it("treats an AbortError as a cancelled call, not a bug", () => {
    expect(toConnectError(new DOMException("aborted", "AbortError"))?.code).toBe(Code.Canceled);
  });

  it("leaves unknown errors to the caller", () => {
    expect(toConnectError(new TypeError("x is undefined"))).toBeUndefined();
    expect(toConnectError("a string")).toBeUndefined();
  });

  it("bounds a message and its violations that echo a huge input (they travel in HTTP/2 trailers)", () => {
    const name = "x".repeat(20_000);
    const mapped = toConnectError(new InvalidSpecError(Array.from({ length: 500 }, () => ({ path: "metadata.name", message: `"${name}" is not a DNS label` }))))!;
    expect(mapped.code).toBe(Code.InvalidArgument);
    expect(mapped.rawMessage.length).toBeLessThan(2200);
    expect(mapped.rawMessage).toMatch(/more characters\)$/);
    const detail = toJson(StructSchema, mapped.details[0]!.value as never) as { fieldViolations: { description: string }[] };
    expect(detail.fieldViolations).toHaveLength(50);
    expect(detail.fieldViolations[0]!.description.length).toBeLessThan(300);
    expect(toConnectError(new NotFoundError(`project ${name} not found`))!.rawMessage.length).toBeLessThan(2200);
  });
});
