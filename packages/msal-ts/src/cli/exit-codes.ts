/**
 * The exit codes of the `msal-ts` command, and the failure that carries one. Scripts can rely on them;
 * they are listed in `msal-ts --help` and in the README.
 */

/** Every exit code the command uses. */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The identity provider returned an error (or authentication failed in another way). */
  AUTH_FAILED: 1,
  /** Bad usage: unknown option, missing value, invalid argument, bad authority. */
  USAGE: 2,
  /** Not signed in, or the user must sign in again (run `msal-ts login`). */
  NOT_SIGNED_IN: 3,
  /** A network failure, or a server that answered with something unusable. */
  UNAVAILABLE: 4,
  /** Cancelled with Ctrl+C (SIGINT). */
  CANCELLED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per exit code, for the help text. */
export const EXIT_CODE_HELP: ReadonlyArray<readonly [ExitCodeValue, string]> = [
  [ExitCode.OK, "success"],
  [ExitCode.AUTH_FAILED, "the identity provider returned an error (e.g. a wrong secret), or authentication failed"],
  [ExitCode.USAGE, "bad usage: unknown option, missing value, invalid argument or authority"],
  [ExitCode.NOT_SIGNED_IN, "not signed in, or sign-in required again (run msal-ts login)"],
  [ExitCode.UNAVAILABLE, "network failure, or a server error"],
  [ExitCode.CANCELLED, "cancelled (Ctrl+C)"],
];

/**
 * A failure the command reports itself: a one-line message (without the `error: ` prefix) and the exit
 * code. Messages never contain a secret or a token.
 */
export class CliFailure extends Error {
  readonly exitCode: ExitCodeValue;

  constructor(exitCode: ExitCodeValue, message: string) {
    super(message);
    this.name = "CliFailure";
    this.exitCode = exitCode;
  }
}

/** A command-line mistake (exit code 2); `command` names the command whose help to point at. */
export class UsageError extends CliFailure {
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(ExitCode.USAGE, message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** The reason of an abort caused by Ctrl+C. */
export class CancelledError extends CliFailure {
  constructor() {
    super(ExitCode.CANCELLED, "cancelled");
    this.name = "CancelledError";
  }
}

/** The reason of an abort caused by `--timeout`. */
export class SignInTimeoutError extends CliFailure {
  constructor(seconds: number) {
    super(ExitCode.NOT_SIGNED_IN, `no sign-in within ${seconds} s (--timeout); not signed in`);
    this.name = "SignInTimeoutError";
  }
}
