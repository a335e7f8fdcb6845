import * as net from "node:net";

/** What every HTTP/2 prior-knowledge connection starts with (RFC 9113, 3.4). */
const h2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export type WireProtocol = "h2" | "http/1.1";

export interface PrefaceRouterOptions {
  /** Called with each connection once its protocol is known; it must take the socket over. */
  readonly handOff: (socket: net.Socket, protocol: WireProtocol) => void;
  /** Called with every accepted socket, before its protocol is known (to track it for shutdown). */
  readonly accepted?: (socket: net.Socket) => void;
  /** A client that has not sent enough bytes to tell the protocol apart by then is dropped. */
  readonly prefaceTimeoutMs: number;
}

/**
 * A TCP server for one cleartext port that speaks HTTP/2 prior knowledge and HTTP/1.1: it reads the
 * first bytes until the HTTP/2 preface is confirmed or ruled out, puts them back, and hands the
 * socket to the HTTP/2 or HTTP/1.1 server.
 */
export function createPrefaceRouter(opts: PrefaceRouterOptions): net.Server {
  // Small request/response messages suffer badly from Nagle's algorithm combined with delayed ACKs.
  return net.createServer({ noDelay: true }, (socket) => {
    opts.accepted?.(socket);
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), opts.prefaceTimeoutMs);
    const drop = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, h2Preface.length);
      const couldBeH2 = seen.subarray(0, n).equals(h2Preface.subarray(0, n));
      if (couldBeH2 && seen.length < h2Preface.length) return;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", drop);
      socket.off("end", drop);
      socket.pause();
      socket.unshift(seen);
      opts.handOff(socket, couldBeH2 ? "h2" : "http/1.1");
    };
    socket.on("data", onData);
    socket.on("error", drop);
    socket.on("end", drop);
  });
}
