/**
 * Secrets of `token --client-credentials`: the client secret and the certificate's passphrase, read from a
 * file, stdin or an environment variable. A value on the command line still works but is warned about:
 * other local users can read a process's arguments (`ps`, `/proc/PID/cmdline`), and shells keep them in
 * their history.
 */
import { readFileSync } from "node:fs";
import type { SecretInput } from "./args.js";
import { CancelledError, UsageError } from "./exit-codes.js";

/** The process's stdin, or a fake. */
export interface SecretStdin {
  isTTY?: boolean;
  /** The whole of stdin (until end of file). */
  readAll(): Promise<string>;
  /** On a terminal: one line typed without echo, after `prompt` on stderr. */
  readHidden?(prompt: string): Promise<string>;
}

/** What a command line secret is for, in messages. */
const WHAT: Record<string, string> = { "--secret": "client secret", "--passphrase": "certificate passphrase" };

/** The warning for a secret given as a command-line value. Names the option, never the value. */
export function argvSecretWarning(option: string): string {
  const base = option.replace(/-file$/, "");
  const env = base === "--secret" ? "MSAL_TS_CLIENT_SECRET" : "MSAL_TS_CERTIFICATE_PASSPHRASE";
  return `${option} on the command line can be read by other local users (ps, /proc/PID/cmdline) and stays in shell history; use ${base}-file FILE, ${base} - (stdin) or ${env} instead`;
}

/** The first line of a file or of stdin: a trailing newline (from `echo` or an editor) is not part of the secret. */
function firstLine(text: string): string {
  return text.replace(/\r?\n[\s\S]*$/, "");
}

function why(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : "unreadable";
}

/**
 * The secret of `input`. `warn` receives the warning for a value on the command line; `stdin` is asked for
 * the input stream only when the secret comes from it.
 *
 * @throws UsageError for an unreadable or empty file or stdin (the message names the file, never content).
 */
export async function readSecret(
  input: SecretInput,
  o: { stdin: () => SecretStdin; warn: (text: string) => void },
): Promise<string> {
  const what = WHAT[input.from === "env" ? "" : input.option.replace(/-file$/, "")] ?? "secret";
  switch (input.from) {
    case "argv":
      o.warn(argvSecretWarning(input.option));
      return input.value;
    case "env":
      return input.value;
    case "file": {
      let text: string;
      try {
        text = readFileSync(input.path, "utf8");
      } catch (e) {
        throw new UsageError(`cannot read the ${input.option} file ${input.path} (${why(e)})`, "token");
      }
      const secret = firstLine(text);
      if (secret === "") throw new UsageError(`the ${input.option} file ${input.path} is empty`, "token");
      return secret;
    }
    case "stdin": {
      const stdin = o.stdin();
      const text =
        stdin.isTTY === true && stdin.readHidden
          ? await stdin.readHidden(`Enter the ${what}: `)
          : await stdin.readAll();
      const secret = firstLine(text);
      if (secret === "") throw new UsageError(`${input.option} - read an empty ${what} from stdin`, "token");
      return secret;
    }
  }
}

/** Reads the secrets of a command line in order; stdin can serve only one of them. */
export async function readSecrets(
  inputs: readonly SecretInput[],
  o: { stdin: () => SecretStdin; warn: (text: string) => void },
): Promise<string[]> {
  if (inputs.filter((i) => i.from === "stdin").length > 1)
    throw new UsageError("only one secret can be read from stdin", "token");
  const out: string[] = [];
  for (const input of inputs) out.push(await readSecret(input, o));
  return out;
}

/** The real stdin: whole-stream reads, and hidden typing on a terminal (raw mode, no echo). */
export function processStdin(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream): SecretStdin {
  return {
    isTTY: stdin.isTTY === true,
    readAll: async () => {
      let text = "";
      for await (const chunk of stdin) text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
      return text;
    },
    readHidden: (prompt) =>
      new Promise((resolve, reject) => {
        stderr.write(prompt);
        let typed = "";
        const done = (fn: () => void): void => {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off("data", onData);
          stderr.write("\n");
          fn();
        };
        const onData = (chunk: Buffer): void => {
          for (const ch of chunk.toString("utf8")) {
            if (ch === "\r" || ch === "\n" || ch === "\x04") return done(() => resolve(typed));
            if (ch === "\x03") return done(() => reject(new CancelledError()));
            if (ch === "\x7f" || ch === "\b") typed = typed.slice(0, -1);
            else typed += ch;
          }
        };
        stdin.setRawMode(true);
        stdin.resume();
        stdin.on("data", onData);
      }),
  };
}
