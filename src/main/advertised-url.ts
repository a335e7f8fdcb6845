import { networkInterfaces } from "node:os";

/**
 * Where other replicas reach this one: the configured URL, else the listening URL, with a wildcard
 * host (0.0.0.0, ::) replaced by this machine's first external IPv4 address (a pod's own IP).
 */
export function advertisedUrl(listening: string, configured: string | undefined): string {
  if (configured) return configured;
  const url = new URL(listening);
  if (url.hostname !== "0.0.0.0" && url.hostname !== "[::]") return listening;
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === "IPv4" && !address.internal);
  url.hostname = external?.address ?? "127.0.0.1";
  return url.origin;
}
