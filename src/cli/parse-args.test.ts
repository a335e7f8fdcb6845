import { describe, expect, it } from "vitest";
import { isCliError } from "./cli-error.js";
import { parseArgs, type FlagSpec } from "./parse-args.js";

const flags: FlagSpec[] = [
  { name: "filename", short: "f", value: "FILE", description: "" },
  { name: "recursive", short: "R", description: "" },
  { name: "all-namespaces", short: "A", description: "" },
  { name: "output", short: "o", value: "FORMAT", description: "", choices: ["yaml", "json"] },
  { name: "namespace", short: "n", value: "NAME", description: "" },
];

describe("parseArgs", () => {
  it("reads long, short, attached and clustered flags, and positionals", () => {
    const { args } = parseArgs(["get", "-f", "a.yaml", "--filename=b.yaml", "-fc.yaml", "-AR", "-nshop", "x", "--output", "json"], flags);
    expect(args.positionals).toEqual(["get", "x"]);
    expect(args.values("filename")).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
    expect(args.enabled("recursive")).toBe(true);
    expect(args.enabled("all-namespaces")).toBe(true);
    expect(args.value("namespace")).toBe("shop");
    expect(args.value("output")).toBe("json");
    expect(args.has("recursive")).toBe(true);
  });

  it("takes - as a value and -- as the end of flags", () => {
    const { args } = parseArgs(["-f", "-", "--", "-R", "--x"], flags);
    expect(args.value("filename")).toBe("-");
    expect(args.positionals).toEqual(["-R", "--x"]);
    expect(args.enabled("recursive")).toBe(false);
  });

  it("lets a switch be turned off explicitly", () => {
    const { args } = parseArgs(["--recursive=false"], flags);
    expect(args.has("recursive")).toBe(true);
    expect(args.enabled("recursive")).toBe(false);
  });

  it("stops at the first positional when asked, returning the rest unparsed", () => {
    const { args, rest } = parseArgs(["-n", "shop", "get", "--bogus"], flags, { stopAtPositional: true });
    expect(args.value("namespace")).toBe("shop");
    expect(rest).toEqual(["get", "--bogus"]);
  });

  it.each([
    [["--bogus"], "unknown flag --bogus"],
    [["-x"], "unknown flag -x"],
    [["-f"], "flag -f needs a value (FILE)"],
    [["-o", "xml"], 'flag -o: "xml" is not one of yaml, json'],
    [["--recursive=yes"], "flag --recursive is a switch"],
  ])("rejects %j as a usage error", (argv, message) => {
    let error: unknown;
    try {
      parseArgs(argv, flags, { command: "get" });
    } catch (err) {
      error = err;
    }
    expect(isCliError(error) && error.exitCode).toBe(2);
    expect((error as Error).message).toContain(message);
    expect(isCliError(error) && error.hint).toBe('Run "choreoctl get --help" for usage.');
  });
});
