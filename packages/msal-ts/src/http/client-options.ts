/**
 * Validation of the default client's options (`verify`, `proxies`, `timeout`; docs/api.md
 * `ClientApplicationOptions`, docs/msal-python-compatibility.md §1.12). Bad values throw InvalidArgumentError when
 * the client is created, never at the first request. Messages name the option, never a secret: a proxy
 * URL may carry a password, a CA file is echoed by path only.
 */
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../errors.js";

/** TLS settings for undici's connectors. */
export interface TlsSettings {
  /** PEM of the trusted CAs; absent: Node's default trust store. */
  ca?: string;
  /** false: no certificate verification (`verify: false`). */
  rejectUnauthorized?: boolean;
}

/** The `proxies` option, checked: a proxy URL per scheme of the target URL and a `NO_PROXY`-style list. */
export interface ProxySettings {
  http?: string;
  https?: string;
  no_proxy?: string;
}

const PEM_MARKER = "-----BEGIN";

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown error";
}

/**
 * Reads `verify`: `true`/absent = Node's trust store, `false` = no verification, a string holding
 * `-----BEGIN` = PEM text, any other string = path of a PEM CA bundle (read once, here).
 */
export function tlsSettings(verify: unknown): TlsSettings {
  if (verify === undefined || verify === true) return {};
  if (verify === false) return { rejectUnauthorized: false };
  if (typeof verify !== "string" || verify.trim() === "") {
    throw new InvalidArgumentError(
      "verify must be true, false, a CA bundle's PEM text or the path of a PEM CA bundle file.",
    );
  }
  if (verify.includes(PEM_MARKER)) return { ca: verify };
  let pem: string;
  try {
    pem = readFileSync(verify, "utf8");
  } catch (error) {
    throw new InvalidArgumentError(
      `verify: the CA bundle file "${verify}" could not be read (${errorCode(error)}). ` +
        "Pass the path of a readable PEM file, PEM text, true or false.",
    );
  }
  if (!pem.includes(PEM_MARKER)) {
    throw new InvalidArgumentError(
      `verify: the CA bundle file "${verify}" holds no PEM certificate. Pass a PEM file ("-----BEGIN CERTIFICATE-----").`,
    );
  }
  return { ca: pem };
}

const PROXY_PROTOCOLS = new Set(["http:", "https:", "socks:", "socks5:"]);

/**
 * Checks one proxy URL and returns it with a scheme: `proxy.example:3128` is taken as `http://proxy.example:3128`,
 * as curl and Python's requests take it. Errors name `option` (an option or an environment variable) and never
 * the value, which may hold a password.
 */
export function proxyUrl(value: unknown, option: string): string {
  if (typeof value !== "string") {
    throw new InvalidArgumentError(`${option} must be a proxy URL string such as "http://proxy.example:8080".`);
  }
  const withScheme = value.includes("://") ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidArgumentError(`${option} is not a valid URL. Use a form like "http://proxy.example:8080".`);
  }
  if (!PROXY_PROTOCOLS.has(url.protocol)) {
    throw new InvalidArgumentError(`${option} must use http, https or socks5 (got ${url.protocol}).`);
  }
  if (url.hostname === "")
    throw new InvalidArgumentError(`${option} has no host. Use a form like "http://proxy.example:8080".`);
  return withScheme;
}

/**
 * Reads `proxies`: a string serves both schemes, an object `{ http, https, no_proxy }` serves each scheme of
 * the target URL and bypasses the hosts of `no_proxy` (the keys of Python requests' `proxies` dict).
 */
export function proxySettings(proxies: unknown): ProxySettings {
  if (proxies === undefined) return {};
  if (typeof proxies === "string") {
    const url = proxyUrl(proxies, "proxies");
    return { http: url, https: url };
  }
  if (typeof proxies !== "object" || proxies === null || Array.isArray(proxies)) {
    throw new InvalidArgumentError(
      "proxies must be a URL string or an object { http?: string; https?: string; no_proxy?: string }.",
    );
  }
  const given = proxies as Record<string, unknown>;
  if (Object.keys(given).some((k) => !["http", "https", "no_proxy"].includes(k)))
    throw new InvalidArgumentError("proxies takes only the keys http, https and no_proxy.");
  const out: ProxySettings = {};
  if (given.http !== undefined) out.http = proxyUrl(given.http, "proxies.http");
  if (given.https !== undefined) out.https = proxyUrl(given.https, "proxies.https");
  if (given.no_proxy !== undefined) {
    if (typeof given.no_proxy !== "string")
      throw new InvalidArgumentError('proxies.no_proxy must be a string such as "localhost,.corp.example".');
    out.no_proxy = given.no_proxy;
  }
  return out;
}

/** Reads `timeout` (seconds, like Python `requests`) as milliseconds; absent: undefined. */
export function timeoutMs(timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) {
    throw new InvalidArgumentError("timeout must be a positive number of seconds, such as 30 or 0.5.");
  }
  return Math.max(1, Math.round(timeout * 1000));
}

/** Reads `maxResponseBytes`; absent: `fallback`. */
export function byteLimit(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError("maxResponseBytes must be a positive integer.");
  }
  return value;
}
