import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createPrefaceRouter } from "./create-preface-router.js";
import type { WireProtocol } from "./create-preface-router.js";

const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const servers: net.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/**
 * A router whose hand-off reads everything the client sends after the routing decision, so the
 * test can check that no byte was lost or reordered.
 */
async function start(prefaceTimeoutMs = 5000) {
  let resolveHandOff!: (v: { protocol: WireProtocol; bytes: string }) => void;
  const handedOff = new Promise<{ protocol: WireProtocol; bytes: string }>((r) => (resolveHandOff = r));
  const server = createPrefaceRouter({
    prefaceTimeoutMs,
    handOff(socket, protocol) {
      let bytes = "";
      socket.setEncoding("latin1");
      socket.on("data", (d: string) => (bytes += d));
      socket.on("end", () => {
        resolveHandOff({ protocol, bytes });
        socket.end();
      });
      socket.resume();
    },
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, handedOff };
}

/** Sends `chunks` as separate writes (each flushed before the next), then half-closes. */
async function send(port: number, chunks: string[]): Promise<net.Socket> {
  const socket = net.connect({ port, host: "127.0.0.1", noDelay: true });
  await new Promise<void>((r) => socket.once("connect", r));
  for (const chunk of chunks) await new Promise<void>((r) => socket.write(chunk, "latin1", () => r()));
  socket.end();
  return socket;
}

describe("preface router", () => {
  it("hands an HTTP/2 connection over with its preface intact, even when it arrives byte by byte", async () => {
    const { port, handedOff } = await start();
    await send(port, [...preface, "\x00\x00\x00\x04frames"]);
    expect(await handedOff).toEqual({ protocol: "h2", bytes: `${preface}\x00\x00\x00\x04frames` });
  });

  it("hands an HTTP/1.1 connection over as soon as a byte rules HTTP/2 out", async () => {
    const { port, handedOff } = await start();
    await send(port, ["P", "OST /x HTTP/1.1\r\n\r\n"]);
    expect(await handedOff).toEqual({ protocol: "http/1.1", bytes: "POST /x HTTP/1.1\r\n\r\n" });
  });

  it("treats a near-miss of the preface as HTTP/1.1", async () => {
    const { port, handedOff } = await start();
    await send(port, ["PRI * HTTP/1.1\r\n\r\n"]);
    expect((await handedOff).protocol).toBe("http/1.1");
  });

  it("drops a client that goes quiet before its protocol is known", async () => {
    const { port } = await start(50);
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.write("PRI * HTTP");
    await new Promise<void>((resolve) => socket.once("close", () => resolve()).resume());
    expect(socket.destroyed).toBe(true);
  });
});
