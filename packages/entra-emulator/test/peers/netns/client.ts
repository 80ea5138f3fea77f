/**
 * Runs one client command (az, python3) inside the namespace session with a time limit: on timeout the whole
 * process group is killed and the result says so. Output is collected; `onStderr` sees it as it arrives (the
 * device-code prompt is read from there while the client waits).
 */
import { spawn } from "node:child_process";

export interface ClientRun {
  /** Exit code, or null when killed. */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface ClientOptions {
  env: NodeJS.ProcessEnv;
  limitMs: number;
  /** Called with the stderr seen so far each time more arrives; `write` sends text to the client's stdin. */
  onStderr?: (soFar: string, write: (text: string) => void) => void;
  /** Written to stdin first; stdin is then closed unless `keepStdinOpen`. */
  stdin?: string;
  keepStdinOpen?: boolean;
}

const OUTPUT_LIMIT = 256 * 1024;

export function runClient(command: string, args: readonly string[], o: ClientOptions): Promise<ClientRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: o.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.limitMs);
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout = (stdout + c).slice(-OUTPUT_LIMIT);
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr = (stderr + c).slice(-OUTPUT_LIMIT);
      o.onStderr?.(stderr, (text) => child.stdin.write(text));
    });
    child.stdin.on("error", () => undefined);
    if (o.keepStdinOpen) child.stdin.write(o.stdin ?? "");
    else child.stdin.end(o.stdin ?? "");
    const finish = (code: number | null, extra = ""): void => {
      clearTimeout(timer);
      kill(); // nothing the client left behind outlives it
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      resolve({ code, timedOut, stdout, stderr: stderr + extra, seconds });
    };
    child.on("error", (e) => finish(null, `\ncannot run ${command}: ${e.message}`));
    child.on("close", (code) => finish(code));
  });
}
