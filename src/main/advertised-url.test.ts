import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { advertisedUrl } from "./advertised-url.js";

describe("the URL other replicas reach this one at", () => {
  it("is CHOREO_ADVERTISE_URL when set, else the listening URL", () => {
    expect(advertisedUrl("http://0.0.0.0:8080", "https://10.0.3.7:8443")).toBe("https://10.0.3.7:8443");
    expect(advertisedUrl("http://127.0.0.1:43121", undefined)).toBe("http://127.0.0.1:43121");
  });

  it("names this machine's own address instead of a wildcard host, with the port it listens on", () => {
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === "IPv4" && !a.internal)?.address ?? "127.0.0.1";
    expect(advertisedUrl("http://0.0.0.0:8080", undefined)).toBe(`http://${external}:8080`);
    expect(advertisedUrl("https://[::]:8443", undefined)).toBe(`https://${external}:8443`);
  });
});
