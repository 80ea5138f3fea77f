/**
 * A throwaway forward proxy: Debian's tinyproxy on 127.0.0.1 and a free port, with a configuration written
 * to a temporary folder, run in the foreground and stopped by the test. What passed through it is read
 * back from its log: one `Request` line per CONNECT tunnel or absolute-form http request.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "./free-port.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface TinyproxyOptions {
  /** Ports CONNECT may reach (tinyproxy refuses the others with 403). */
  connectPorts: readonly number[];
  /** Require `Proxy-Authorization: Basic` with these credentials (letters, digits and `-` only). */
  basicAuth?: { user: string; password: string };
}

export interface Tinyproxy {
  /** `http://127.0.0.1:{port}`, without credentials. */
  readonly url: string;
  readonly port: number;
  /** The CONNECT targets (`host:port`) seen so far, in order. */
  connects(): string[];
  /** The absolute-form request lines (`GET http://...`) seen so far, in order. */
  forwards(): string[];
  /** The whole log. */
  log(): string;
  stop(): Promise<void>;
}

const REQUEST = /Request \(file descriptor \d+\): (\S+) (\S+) HTTP\/1\.[01]/g;

function config(port: number, logFile: string, o: TinyproxyOptions): string {
  return [
    "Listen 127.0.0.1",
    `Port ${port}`,
    "Timeout 30",
    `LogFile "${logFile}"`,
    "LogLevel Info",
    "MaxClients 50",
    ...o.connectPorts.map((p) => `ConnectPort ${p}`),
    ...(o.basicAuth ? [`BasicAuth ${o.basicAuth.user} ${o.basicAuth.password}`] : []),
    "",
  ].join("\n");
}

/** Starts tinyproxy and waits until its log says it accepts connections (up to 10 s). */
export async function startTinyproxy(o: TinyproxyOptions): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), "msal-ts-tinyproxy-"));
  const logFile = join(dir, "tinyproxy.log");
  const confFile = join(dir, "tinyproxy.conf");
  const port = await freePort();
  writeFileSync(confFile, config(port, logFile, o));
  writeFileSync(logFile, "");
  const child: ChildProcess = spawn("tinyproxy", ["-d", "-c", confFile], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const log = (): string => readFileSync(logFile, "utf8");
  const requests = (): [string, string][] => [...log().matchAll(REQUEST)].map((m) => [m[1] ?? "", m[2] ?? ""]);
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", done);
      child.kill("SIGTERM");
    });
  for (let i = 0; !/Accepting connections/.test(log()); i++) {
    if (child.exitCode !== null || i === 200) {
      await stop();
      throw new Error(`tinyproxy did not start: ${output}`);
    }
    await sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects: () => requests().flatMap(([method, target]) => (method === "CONNECT" ? [target] : [])),
    forwards: () => requests().flatMap(([method, target]) => (method === "CONNECT" ? [] : [`${method} ${target}`])),
    log,
    stop,
  };
}
