import { describe, expect, it } from "vitest";
import { cellNamespace, generatedName, MAX_CRONJOB_NAME_LENGTH, MAX_NAME_LENGTH } from "./names.js";
import * as objectNames from "./object-names.js";

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A seeded generator (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const alphabet = ["a", "z", "0", "9", "-", "_", ".", " ", "A", "Z", "é", "ß", "İ", "/", "€", "😀", "\u0000", "--"];

function randomPart(next: () => number): string {
  const length = Math.floor(next() ** 2 * 90);
  let part = "";
  for (let i = 0; i < length; i++) part += alphabet[Math.floor(next() * alphabet.length)];
  return part;
}

function randomParts(next: () => number): string[] {
  return Array.from({ length: Math.floor(next() * 5) }, () => randomPart(next));
}

describe("generatedName", () => {
  it("is a DNS-1123 (and DNS-1035) label within its limit for random parts", () => {
    const next = random(7);
    for (let i = 0; i < 2000; i++) {
      const parts = randomParts(next);
      for (const limit of [MAX_NAME_LENGTH, MAX_CRONJOB_NAME_LENGTH, 10]) {
        const name = generatedName(parts, limit);
        expect(name.length, JSON.stringify(parts)).toBeLessThanOrEqual(limit);
        expect(name, JSON.stringify(parts)).toMatch(dns1123Label);
        expect(name, JSON.stringify(parts)).toMatch(dns1035Label);
      }
    }
  });

  it("is stable: the same parts always give the same name, across releases too", () => {
    const next = random(11);
    for (let i = 0; i < 200; i++) {
      const parts = randomParts(next);
      expect(generatedName([...parts])).toBe(generatedName(parts));
    }
    // Pinned (sha256 of the JSON array, checked with sha256sum): a change of algorithm would rename
    // every object a plane already runs.
    expect(generatedName(["greeter-service"])).toBe("greeter-service-6bb7d5dc");
    expect(cellNamespace("default", "default", "development")).toBe("dp-default-default-development-8dcc2f30");
  });

  it("is distinct for distinct parts, including parts that sanitise or truncate alike", () => {
    const next = random(13);
    const seen = new Map<string, string>();
    for (let i = 0; i < 3000; i++) {
      const parts = randomParts(next);
      const key = JSON.stringify(parts);
      const name = generatedName(parts);
      const previous = seen.get(name);
      if (previous !== undefined) expect(previous).toBe(key);
      seen.set(name, key);
    }
    const tricky = [["a-b", "c"], ["a", "b-c"], ["App"], ["app"], ["a b"], ["a-b"], ["x".repeat(80)], ["x".repeat(81)], [], [""], ["", ""]];
    const names = tricky.map((parts) => generatedName(parts));
    expect(new Set(names).size).toBe(tricky.length);
  });

  it("keeps readable parts and starts with a letter", () => {
    expect(generatedName(["My App", "v2"])).toMatch(/^my-app-v2-[0-9a-f]{8}$/);
    expect(generatedName(["3d-viewer"])).toMatch(/^x-3d-viewer-[0-9a-f]{8}$/);
    expect(generatedName([])).toMatch(/^x-[0-9a-f]{8}$/);
    expect(generatedName(["a".repeat(100)], MAX_CRONJOB_NAME_LENGTH)).toHaveLength(MAX_CRONJOB_NAME_LENGTH);
  });

  it("refuses a limit that leaves no room for the hash", () => {
    expect(() => generatedName(["a"], 9)).toThrow(RangeError);
    expect(() => generatedName(["a"], 64)).toThrow(RangeError);
  });
});

describe("cellNamespace", () => {
  it("is dp-<org>-<project>-<env>-<hash>, a DNS-1123 label within 63 characters", () => {
    expect(cellNamespace("acme", "shop", "prod")).toMatch(/^dp-acme-shop-prod-[0-9a-f]{8}$/);
    const long = "p".repeat(63);
    const ns = cellNamespace(long, long, long);
    expect(ns.length).toBeLessThanOrEqual(63);
    expect(ns).toMatch(dns1123Label);
    expect(cellNamespace("a", "b-c", "d")).not.toBe(cellNamespace("a-b", "c", "d"));
  });

  it("is a stable DNS-1123 label within 63 characters, distinct per cell, for random cells", () => {
    const next = random(17);
    const seen = new Map<string, string>();
    for (let i = 0; i < 2000; i++) {
      const [organization = "", project = "", environment = ""] = [randomPart(next), randomPart(next), randomPart(next)];
      const key = JSON.stringify([organization, project, environment]);
      const ns = cellNamespace(organization, project, environment);
      expect(ns.length, key).toBeLessThanOrEqual(MAX_NAME_LENGTH);
      expect(ns, key).toMatch(dns1123Label);
      expect(cellNamespace(organization, project, environment)).toBe(ns);
      const previous = seen.get(ns);
      if (previous !== undefined) expect(previous).toBe(key);
      seen.set(ns, key);
    }
  });
});

describe("object names", () => {
  // Every name a renderer gives an object, over random scopes and parts: Service names must also be
  // DNS-1035 labels, and a CronJob's name leaves room for its Jobs' suffix.
  const limits: Partial<Record<keyof typeof objectNames, number>> = { cronJobName: MAX_CRONJOB_NAME_LENGTH };

  it("are DNS-1035 labels within their kind's limit, and stable", () => {
    const next = random(19);
    for (let i = 0; i < 500; i++) {
      const scope = { organization: randomPart(next), project: randomPart(next), environment: randomPart(next), component: randomPart(next) };
      const [a = "", b = ""] = [randomPart(next), randomPart(next)];
      const names: Record<keyof typeof objectNames, () => string> = {
        workloadName: () => objectNames.workloadName(scope),
        cronJobName: () => objectNames.cronJobName(scope),
        configMapName: () => objectNames.configMapName(scope),
        secretsName: () => objectNames.secretsName(scope),
        routeName: () => objectNames.routeName(scope, a, "Public"),
        apiRouteName: () => objectNames.apiRouteName(scope, a, "Organization"),
        apiSuspendedName: () => objectNames.apiSuspendedName(scope, a),
        apiNetworkPolicyName: () => objectNames.apiNetworkPolicyName(scope, a),
        componentNetworkPolicyName: () => objectNames.componentNetworkPolicyName(scope),
        cellNetworkPolicyName: () => objectNames.cellNetworkPolicyName(scope),
        endpointObjectName: () => objectNames.endpointObjectName(a, b),
      };
      for (const [kind, name] of Object.entries(names)) {
        const where = `${kind} ${JSON.stringify({ scope, a, b })}`;
        const value = name();
        expect(value.length, where).toBeLessThanOrEqual(limits[kind as keyof typeof objectNames] ?? MAX_NAME_LENGTH);
        expect(value, where).toMatch(dns1035Label);
        expect(name(), where).toBe(value);
      }
    }
  });

  it("keep a managed API's route apart from a Binding's route that reads the same", () => {
    const next = random(23);
    for (let i = 0; i < 500; i++) {
      const scope = { organization: "o", project: "p", environment: "e", component: randomPart(next) };
      const binding = randomPart(next);
      for (const visibility of ["Public", "Organization"]) {
        // Component c's endpoint "api-b" and c's APIBinding "b" sanitise to the same words.
        const api = objectNames.apiRouteName(scope, binding, visibility);
        const endpoint = objectNames.routeName(scope, `api-${binding}`, visibility);
        expect(api.slice(0, -9)).toBe(endpoint.slice(0, -9));
        expect(api).not.toBe(endpoint);
      }
    }
  });
});
