/**
 * Small real servers for the default client's end-to-end tests: all bind 127.0.0.1 on an OS-chosen port,
 * count the connections they accept, and destroy every socket on close().
 */
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connect, createServer as createNetServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";

export interface TestServer {
  /** `http://127.0.0.1:{port}` */
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

async function listen(server: Server, sockets: Set<Socket>, counter: { n: number }): Promise<TestServer> {
  server.on("connection", (socket: Socket) => {
    counter.n++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => counter.n,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP server; `handler` gets the 1-based number of the request's connection. */
export function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse, connection: number) => void,
): Promise<TestServer> {
  const counter = { n: 0 };
  const sockets = new Set<Socket>();
  const numbers = new WeakMap<Socket, number>();
  let seen = 0;
  const server = createHttpServer((req, res) => handler(req, res, numbers.get(req.socket) ?? 0));
  server.on("connection", (socket: Socket) => numbers.set(socket, ++seen));
  return listen(server, sockets, counter);
}

/** A server that accepts connections and never answers. */
export function startSilentServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer(() => {});
  return listen(server, sockets, { n: 0 });
}

/** A TCP server that reads each request, destroys the connection for the first `dropFirst` ones, then answers `answer`. */
export function startDroppingServer(
  dropFirst: number,
  answer = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
): Promise<TestServer & { bodies: string[] }> {
  const sockets = new Set<Socket>();
  const counter = { n: 0 };
  const bodies: string[] = [];
  let seen = 0;
  const server = createNetServer((socket) => {
    const number = ++seen;
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end === -1) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(received)?.[1] ?? "0");
      if (received.length < end + 4 + length) return;
      bodies.push(received.slice(end + 4, end + 4 + length));
      if (number <= dropFirst) socket.destroy();
      else socket.end(answer);
      received = "";
    });
    socket.on("error", () => {});
  });
  return listen(server, sockets, counter).then((s) => Object.assign(s, { bodies }));
}

export interface TestProxy extends TestServer {
  /** CONNECT targets (`host:port`), in order. */
  connects: string[];
  /** Absolute-form request targets forwarded, in order. */
  forwards: string[];
}

/** A tiny forward proxy: CONNECT tunnels, and absolute-form forwarding of plain-HTTP requests. */
export function startProxy(): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const counter = { n: 0 };
  const connects: string[] = [];
  const forwards: string[] = [];
  const server = createHttpServer((req, res) => {
    forwards.push(req.url ?? "");
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end();
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    connects.push(req.url ?? "");
    sockets.add(client);
    const [host = "", port = "443"] = (req.url ?? "").split(/:(?=\d+$)/);
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("close", () => sockets.delete(upstream));
  });
  return listen(server, sockets, counter).then((s) => Object.assign(s, { connects, forwards }));
}

export { freePort } from "../../helpers/free-port.ts";
