/**
 * Binding the loopback listener: 127.0.0.1 always (never all interfaces), and ::1 on the same port when the
 * host has IPv6 loopback, since `localhost` in the redirect URI may resolve to either family.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { InvalidArgumentError, MsalError } from "../errors.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function bindError(err: unknown, port: number): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why = code === "EADDRINUSE" ? "in use" : code === "EACCES" ? "permission denied" : undefined;
  if (why !== undefined)
    return new InvalidArgumentError(`Can't listen on port ${port} (${why}). Pass port 0 to let the system choose.`);
  return new MsalError("loopback_listener_failed", `Can't listen on port ${port} (${code ?? "unknown error"}).`, {
    cause: err,
  });
}

function newServer(onRequest: Handler, sockets: Set<Socket>): Server {
  // Bounded waits for slow or stalled clients; Node answers malformed requests with 400 itself ('clientError').
  const timeouts = { requestTimeout: 30_000, headersTimeout: 30_000, connectionsCheckingInterval: 5_000 };
  const server = createServer(timeouts, onRequest);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return server;
}

/**
 * Listens on 127.0.0.1 at `requested` (0: OS-chosen), then on ::1 at the same port. With an OS-chosen port
 * taken on ::1 by someone else, tries another port up to three times, then serves 127.0.0.1 alone.
 *
 * @throws InvalidArgumentError when the port is in use or not permitted; MsalError `loopback_listener_failed` otherwise.
 */
export async function bindLoopback(requested: number, onRequest: Handler, sockets: Set<Socket>): Promise<Server[]> {
  for (let attempt = 0; ; attempt++) {
    const v4 = newServer(onRequest, sockets);
    let port: number;
    try {
      port = await listen(v4, requested, "127.0.0.1");
    } catch (e) {
      throw bindError(e, requested);
    }
    const servers = await addIpv6(v4, port, requested, attempt, newServer(onRequest, sockets));
    if (servers !== undefined) return servers;
  }
}

/** The servers to use, or `undefined` to try another port (`v4` is closed then). */
async function addIpv6(
  v4: Server,
  port: number,
  requested: number,
  attempt: number,
  v6: Server,
): Promise<Server[] | undefined> {
  try {
    await listen(v6, port, "::1");
    return [v4, v6];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRNOTAVAIL" || code === "EAFNOSUPPORT") return [v4]; // no IPv6 loopback here
    if (requested === 0 && attempt < 3) {
      await closeServer(v4); // [::1]:port is taken by someone else: pick another
      return undefined;
    }
    if (requested === 0) return [v4];
    await closeServer(v4);
    throw bindError(e, requested);
  }
}
