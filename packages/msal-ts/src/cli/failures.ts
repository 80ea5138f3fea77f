/**
 * How a failure becomes an exit code and a one-line message: errors returned by the identity provider,
 * errors thrown by msal-ts (by class), and the command's own {@link CliFailure}s.
 */
import {
  AuthorityError,
  BrowserInteractionTimeoutError,
  InvalidArgumentError,
  ManagedIdentityError,
  MsalError,
  NetworkError,
  RedirectUriError,
  ServerError,
} from "../index.js";
import type { TokenError } from "../index.js";
import { CliFailure, ExitCode, UsageError, type ExitCodeValue } from "./exit-codes.js";

/** Errors after which only a new interactive sign-in helps. */
const SIGN_IN_AGAIN = new Set(["interaction_required", "login_required", "consent_required", "invalid_grant"]);

/** The first line of an error description (Entra appends "Trace ID: ..." lines). */
function firstLine(text: unknown): string {
  return typeof text === "string" ? (text.split(/\r?\n/)[0] ?? "").trim() : "";
}

/**
 * The failure for an error returned by the identity provider: `<error>: <first line of the description>`,
 * exit code 1 (or 3 when `silent` and the user must sign in again).
 */
export function providerFailure(result: TokenError, o: { silent?: boolean } = {}): CliFailure {
  const description = firstLine(result.error_description);
  const message = `${result.error}${description !== "" ? `: ${description}` : ""}`;
  if (o.silent === true && SIGN_IN_AGAIN.has(result.error))
    return new CliFailure(ExitCode.NOT_SIGNED_IN, `${message} (run msal-ts login)`);
  return new CliFailure(ExitCode.AUTH_FAILED, message);
}

/** The exit code and message for anything a run threw. */
export function describeFailure(e: unknown): { exitCode: ExitCodeValue; message: string } {
  if (e instanceof UsageError) {
    return {
      exitCode: e.exitCode,
      message: `${e.message} (see msal-ts ${e.command !== undefined ? `${e.command} ` : ""}--help)`,
    };
  }
  if (e instanceof CliFailure) return { exitCode: e.exitCode, message: e.message };
  if (e instanceof MsalError) return { exitCode: exitCodeOf(e), message: messageOf(e) };
  if (e instanceof Error) return { exitCode: ExitCode.AUTH_FAILED, message: `${e.name}: ${e.message}` };
  return { exitCode: ExitCode.AUTH_FAILED, message: "unexpected failure" };
}

function exitCodeOf(e: MsalError): ExitCodeValue {
  if (e instanceof AuthorityError) {
    // An authority that could not be fetched is an outage, not a bad argument.
    return e.cause instanceof NetworkError || e.cause instanceof ServerError ? ExitCode.UNAVAILABLE : ExitCode.USAGE;
  }
  if (e instanceof InvalidArgumentError || e instanceof RedirectUriError) return ExitCode.USAGE;
  if (e instanceof NetworkError || e instanceof ServerError || e instanceof ManagedIdentityError)
    return ExitCode.UNAVAILABLE;
  if (e instanceof BrowserInteractionTimeoutError || e.code === "browser_unavailable") return ExitCode.NOT_SIGNED_IN;
  return ExitCode.AUTH_FAILED;
}

/**
 * A rejected TLS certificate, advised in the command's terms: the library's advice names its `verify`
 * option, which a command-line user sets with `--ca` (or MSAL_TS_CA).
 */
function withCaAdvice(message: string): string {
  if (!/TLS certificate/i.test(message)) return message;
  const facts = message.replace(/\s*Pass verify\b[^.]*(?:\.|$)/, "").replace(/[.\s]+$/, "");
  return `${facts}. Pass the PEM file of the CA that issued it with --ca (or MSAL_TS_CA), or fix the server certificate`;
}

function messageOf(e: MsalError): string {
  if (e.code === "browser_unavailable")
    return "browser_unavailable: no browser could be opened for the sign-in; use msal-ts login --device-code";
  if (e instanceof NetworkError || e.cause instanceof NetworkError) return `${e.code}: ${withCaAdvice(e.message)}`;
  return `${e.code}: ${e.message}`;
}
