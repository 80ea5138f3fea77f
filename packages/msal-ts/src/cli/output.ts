/**
 * What `msal-ts` writes: results on stdout (text or one JSON value), and on stderr messages, warnings,
 * one-line errors and a live status line. Everything written to stderr goes through {@link redact}, so a
 * secret given on the command line or a token that slipped into a message is never shown.
 */

/** The streams the command writes to (process.stdout and process.stderr, or fakes). */
export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const CLEAR_LINE = "\r\x1b[2K";

/**
 * `text` on one line (line breaks and runs of white space become one space), with JWT-like strings and
 * every string of `secrets` replaced.
 *
 * @example redact("bad\r\n eyJa.eyJb.c", []) === "bad [redacted token]"
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(JWT, "[redacted token]");
  // Longest first, so that a secret containing another is replaced whole.
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length))
    out = out.split(secret).join("[redacted]");
  return out.replace(/\s+/g, " ").trim();
}

/** A status line on stderr while the command waits; see {@link Output.status}. */
export interface StatusLine {
  /** Removes the line (TTY) and stops updating it. Safe to call twice. */
  stop(): void;
}

/**
 * The command's writer. Create one per run; call {@link flush} before the process exits.
 *
 * @example
 * ```ts
 * const out = new Output({ stdout: process.stdout, stderr: process.stderr });
 * out.result("Signed in as alice@contoso.com.");
 * await out.flush();
 * ```
 */
export class Output {
  readonly #streams: OutputStreams;
  readonly #secrets: string[] = [];
  /** The status line being shown on a TTY, redrawn after other stderr output. */
  #status: { render: () => string } | undefined;

  constructor(streams: OutputStreams) {
    this.#streams = streams;
  }

  /** Values to redact from every stderr message from now on (secrets from the command line). */
  addSecrets(secrets: readonly string[]): void {
    this.#secrets.push(...secrets);
  }

  /** A result line on stdout. */
  result(text: string): void {
    this.#streams.stdout.write(`${text}\n`);
  }

  /** A result as one line of JSON on stdout. */
  json(value: unknown): void {
    this.#streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /**
   * One line of tab-separated values on stdout (`-o tsv`): absent values are empty fields, and tabs or line
   * breaks inside a value become spaces, so that `cut -f` and `read` see exactly one field per value.
   */
  tsv(fields: ReadonlyArray<string | number | null | undefined>): void {
    this.#streams.stdout.write(
      `${fields.map((f) => (f === null || f === undefined ? "" : String(f).replace(/[\t\r\n]/g, " "))).join("\t")}\n`,
    );
  }

  /** Help and similar long text on stdout, as is. */
  text(text: string): void {
    this.#streams.stdout.write(text);
  }

  /** An informational line on stderr (e.g. the device code instructions). */
  notice(text: string): void {
    this.#stderrLine(redact(text, this.#secrets));
  }

  /** A `note:` line on stderr: something the user should know about how the command ran. */
  note(text: string): void {
    this.#stderrLine(`note: ${redact(text, this.#secrets)}`);
  }

  warn(text: string): void {
    this.#stderrLine(`warning: ${redact(text, this.#secrets)}`);
  }

  /** The one error line of a failed run. */
  error(text: string): void {
    this.#stderrLine(`error: ${redact(text, this.#secrets)}`);
  }

  /**
   * Shows `render(elapsedSeconds)` on stderr while waiting. On a terminal the line is redrawn in place
   * every second; elsewhere (a pipe, a log file) it is written once, with the elapsed time left out.
   */
  status(render: (elapsedSeconds: number | undefined) => string): StatusLine {
    const stderr = this.#streams.stderr;
    if (stderr.isTTY !== true) {
      this.#stderrLine(redact(render(undefined), this.#secrets));
      return { stop: () => undefined };
    }
    const started = Date.now();
    const current = { render: () => redact(render(Math.floor((Date.now() - started) / 1000)), this.#secrets) };
    this.#status = current;
    stderr.write(`${CLEAR_LINE}${current.render()}`);
    const timer = setInterval(() => stderr.write(`${CLEAR_LINE}${current.render()}`), 1000);
    timer.unref();
    let stopped = false;
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        if (this.#status === current) this.#status = undefined;
        stderr.write(CLEAR_LINE);
      },
    };
  }

  /** Resolves once everything written so far has been handed to the operating system. */
  async flush(): Promise<void> {
    const drained = (stream: NodeJS.WritableStream): Promise<void> =>
      new Promise((resolve) => stream.write("", () => resolve()));
    await Promise.all([drained(this.#streams.stdout), drained(this.#streams.stderr)]);
  }

  #stderrLine(line: string): void {
    const status = this.#status;
    if (status === undefined) this.#streams.stderr.write(`${line}\n`);
    else this.#streams.stderr.write(`${CLEAR_LINE}${line}\n${status.render()}`);
  }
}
