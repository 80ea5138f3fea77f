/**
 * How the default client reads a transport failure: is it a timeout, a connection error worth the one
 * retry of MSAL Python's `requests` adapter (`max_retries=1`, docs/msal-python-compatibility.md §1.12), or final;
 * and a description for the error message that holds no part of the request (no path, query or header).
 */

/** `timeout`: no retry; `connection`: one retry allowed; `other`: final. */
export type FailureKind = "timeout" | "connection" | "other";

/** Error codes of a connection that failed or closed before a response (undici's `UND_ERR_SOCKET`: "other side closed"). */
const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function ownCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The most telling error code of a failure: its own, else its cause's, else the first of an
 * AggregateError's (Node's happy-eyeballs connect reports one per address).
 */
export function failureCode(error: unknown): string | undefined {
  const own = ownCode(error);
  if (own !== undefined && own !== "UND_ERR") return own;
  const cause = (error as { cause?: unknown } | null | undefined)?.cause;
  const errors = (error as { errors?: unknown } | null | undefined)?.errors;
  return ownCode(cause) ?? (Array.isArray(errors) ? ownCode(errors[0]) : undefined) ?? own;
}

/** Classifies a failure by its code. */
export function classifyFailure(code: string | undefined): FailureKind {
  if (code === undefined) return "other";
  if (TIMEOUT_CODES.has(code)) return "timeout";
  return CONNECTION_CODES.has(code) ? "connection" : "other";
}

function isTlsCode(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME/.test(code);
}

/**
 * A human description of a failure with what to do, built from the code only (an underlying message
 * could quote a header or the URL).
 */
export function describeFailure(code: string | undefined, error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  if (code === undefined) return "the request failed before any response arrived";
  if (isTlsCode(code)) {
    return (
      `the server's TLS certificate was not accepted (${code}). ` +
      "Pass verify with the CA bundle that issued it, or fix the server certificate"
    );
  }
  if (code === "ECONNREFUSED")
    return "the connection was refused (ECONNREFUSED). Check that the server (or proxy) is running";
  if (code === "ENOTFOUND") return "the host name could not be resolved (ENOTFOUND). Check the URL and DNS";
  if (code === "UND_ERR_SOCKET") return "the server closed the connection before answering (UND_ERR_SOCKET)";
  if (code === "UND_ERR_CLOSED" || code === "UND_ERR_DESTROYED") return `the HTTP client is closed (${code})`;
  const proxy = /^Proxy (?:response|Authentication Required) \((\d{3})\)/.exec(message);
  const proxyStatus = proxy?.[1];
  if (proxyStatus !== undefined)
    return `the proxy answered ${proxyStatus}. Check the proxy (the proxies option or the proxy environment variables) and its credentials`;
  if (code === "UND_ERR_PRX_TLS")
    return "the TLS connection to the proxy failed (UND_ERR_PRX_TLS). Check the proxy URL and verify";
  if (code === "UND_ERR_INVALID_ARG")
    return "the request could not be sent (UND_ERR_INVALID_ARG). Check the header names and values";
  if (code.startsWith("HPE_")) return `the server sent an invalid HTTP response (${code})`;
  return `the connection failed (${code})`;
}
