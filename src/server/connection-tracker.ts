import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2Session } from "node:http2";
import type { Socket } from "node:net";

/**
 * Knows every open connection so that shutdown can be graceful: HTTP/2 sessions get a GOAWAY and
 * finish their open streams, idle HTTP/1.1 sockets close at once and busy ones after their response,
 * and whatever is still open when the grace period ends is destroyed.
 */
export interface ConnectionTracker {
  /** Every accepted socket, from the start (an HTTP/1.1 or not-yet-identified one unless marked). */
  socket(socket: Socket): void;
  /** The socket carries an HTTP/2 session: it is closed through the session, not directly. */
  http2Socket(socket: Socket): void;
  http2Session(session: Http2Session): void;
  /** An HTTP/1.1 request: its socket stays open until the response is done. */
  http1Request(req: IncomingMessage, res: ServerResponse): void;
  /** Resolves once every connection is closed; destroys the rest after `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

export function createConnectionTracker(): ConnectionTracker {
  const sockets = new Set<Socket>();
  const h2Sockets = new WeakSet<Socket>();
  const sessions = new Set<Http2Session>();
  const busy = new Map<Socket, number>();
  let draining = false;
  let allClosed: (() => void) | undefined;

  const checkAllClosed = () => {
    if (draining && sockets.size === 0 && sessions.size === 0) allClosed?.();
  };

  return {
    socket(socket) {
      sockets.add(socket);
      socket.once("close", () => {
        sockets.delete(socket);
        busy.delete(socket);
        checkAllClosed();
      });
      // A connection accepted just as shutdown began is not owed an answer.
      if (draining) socket.destroy();
    },
    http2Socket(socket) {
      h2Sockets.add(socket);
    },
    http2Session(session) {
      sessions.add(session);
      session.once("close", () => {
        sessions.delete(session);
        checkAllClosed();
      });
      if (draining) session.close();
    },
    http1Request(req, res) {
      const socket = req.socket;
      busy.set(socket, (busy.get(socket) ?? 0) + 1);
      // Node then answers with `Connection: close` and closes the socket after this response.
      if (draining) res.shouldKeepAlive = false;
      res.once("close", () => {
        const left = (busy.get(socket) ?? 1) - 1;
        busy.set(socket, left);
        if (draining && left === 0) socket.end();
      });
    },
    async shutdown(graceMs) {
      draining = true;
      const done = new Promise<void>((resolve) => (allClosed = resolve));
      // GOAWAY: clients open no new streams, the open ones run to their end.
      for (const session of sessions) session.close();
      for (const socket of sockets) {
        if (!h2Sockets.has(socket) && !busy.get(socket)) socket.destroy();
      }
      checkAllClosed();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([done, graceOver]);
      clearTimeout(timer);
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
}
