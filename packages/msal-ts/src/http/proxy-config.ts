/**
 * Which proxy, if any, serves a request of the default client: the `proxies` option when it is given, else the
 * proxy environment variables as curl reads them (its `detect_proxy`: `http_proxy`, `https_proxy`/`HTTPS_PROXY`,
 * `all_proxy`/`ALL_PROXY`, `no_proxy`/`NO_PROXY`). Read once, when the client is created.
 *
 * A bad `proxies` option is the caller's own configuration: it is refused when the client is created. A bad
 * variable is the machine's: it fails only the requests that would use it (a malformed `http_proxy` does not
 * stop https requests), as curl reports a bad proxy when it needs it.
 *
 * The proxy URL's credentials (`http://user:pass@host:port`) are taken out of it here: they travel only in the
 * `Proxy-Authorization` header (or the SOCKS5 handshake), and what is shown in errors is the proxy's origin.
 */
import { InvalidArgumentError } from "../errors.js";
import { proxySettings, proxyUrl } from "./client-options.js";
import { EMPTY_NO_PROXY, bypassesProxy, parseNoProxy, type NoProxyList } from "./no-proxy.js";

/** One proxy, ready for undici. */
export interface ProxyRoute {
  /** The proxy URL without credentials. */
  readonly uri: string;
  /** `Basic ...` for an http(s) proxy with credentials. */
  readonly token: string | undefined;
  /** Decoded credentials of a SOCKS5 proxy. */
  readonly socksAuth: { username: string; password: string } | undefined;
  /** What errors show: `http://proxy.example:3128 (HTTPS_PROXY)`, never a credential. */
  readonly label: string;
}

/** A proxy variable that could not be read: requests that would use it fail with {@link message}. */
export interface UnusableProxy {
  readonly unusable: true;
  /** Names the variable, never its value. */
  readonly message: string;
}

/** The proxy choice of one client. */
export interface ProxyPlan {
  readonly http: ProxyRoute | UnusableProxy | undefined;
  readonly https: ProxyRoute | UnusableProxy | undefined;
  readonly noProxy: NoProxyList;
}

/** The plan without any proxy. */
export const DIRECT: ProxyPlan = { http: undefined, https: undefined, noProxy: EMPTY_NO_PROXY };

type Env = Readonly<Record<string, string | undefined>>;

/** The first of `names` that is set (an empty value counts as set: it means "no proxy", as in curl). */
function firstSet(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (typeof value === "string") return { name, value };
  }
  return undefined;
}

/**
 * The proxy variables curl uses for each scheme, in its order: `http_proxy` only in lower case (an upper-case
 * `HTTP_PROXY` can be set by a request's `Proxy:` header under CGI, "httpoxy"), then `all_proxy`/`ALL_PROXY`
 * when the scheme's variable is not set at all.
 */
const VARIABLES = {
  http: ["http_proxy"],
  https: ["https_proxy", "HTTPS_PROXY"],
  all: ["all_proxy", "ALL_PROXY"],
} as const;

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InvalidArgumentError(`${what}: the proxy credentials are not valid percent-encoding.`);
  }
}

/** A route for the proxy URL `value`, checked; `what` names where it came from, for errors. */
function routeOf(value: string, what: string): ProxyRoute {
  const url = new URL(proxyUrl(value, what));
  const hasAuth = url.username !== "" || url.password !== "";
  const username = decode(url.username, what);
  const password = decode(url.password, what);
  url.username = "";
  url.password = "";
  const socks = url.protocol === "socks:" || url.protocol === "socks5:";
  return {
    uri: url.href,
    token: hasAuth && !socks ? `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}` : undefined,
    socksAuth: hasAuth && socks ? { username, password } : undefined,
    label: `${url.protocol}//${url.host} (${what})`,
  };
}

function fromVariable(found: { name: string; value: string } | undefined): ProxyRoute | UnusableProxy | undefined {
  if (found === undefined || found.value.trim() === "") return undefined;
  try {
    return routeOf(found.value.trim(), found.name);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    return { unusable: true, message: e.message };
  }
}

/** The plan the environment gives, as curl would read it. */
export function environmentPlan(env: Env): ProxyPlan {
  const all = (): ProxyRoute | UnusableProxy | undefined => fromVariable(firstSet(env, VARIABLES.all));
  const http = firstSet(env, VARIABLES.http);
  const https = firstSet(env, VARIABLES.https);
  const noProxy = firstSet(env, ["no_proxy", "NO_PROXY"]);
  return {
    http: http === undefined ? all() : fromVariable(http),
    https: https === undefined ? all() : fromVariable(https),
    noProxy: noProxy === undefined ? EMPTY_NO_PROXY : parseNoProxy(noProxy.value),
  };
}

/**
 * The plan of a client: the `proxies` option when given (the environment is then not read; `{}` means no
 * proxy at all), else the environment when there is one, else no proxy.
 *
 * @throws InvalidArgumentError for a bad `proxies` option, naming it, never the URL (a bad variable is
 * reported by {@link routeFor}, for the requests that would use it).
 */
export function proxyPlan(proxies: unknown, env: Env | undefined): ProxyPlan {
  if (proxies === undefined) return env === undefined ? DIRECT : environmentPlan(env);
  if (typeof proxies === "string") {
    const both = routeOf(proxies, "proxies"); // one route, one agent, for both schemes
    return { http: both, https: both, noProxy: EMPTY_NO_PROXY };
  }
  const s = proxySettings(proxies);
  return {
    http: s.http === undefined ? undefined : routeOf(s.http, "proxies.http"),
    https: s.https === undefined ? undefined : routeOf(s.https, "proxies.https"),
    noProxy: s.no_proxy === undefined ? EMPTY_NO_PROXY : parseNoProxy(s.no_proxy),
  };
}

/**
 * The proxy for `target`, or undefined to connect directly.
 *
 * @throws InvalidArgumentError when the proxy variable for `target`'s scheme is malformed (and `target` is not
 * bypassed): the request is not sent, neither directly nor through another proxy.
 */
export function routeFor(plan: ProxyPlan, target: URL): ProxyRoute | undefined {
  const route = target.protocol === "https:" ? plan.https : target.protocol === "http:" ? plan.http : undefined;
  if (route === undefined || bypassesProxy(plan.noProxy, target)) return undefined;
  if (isUnusable(route)) throw new InvalidArgumentError(route.message);
  return route;
}

/** Whether a plan's entry is a variable that could not be read. */
export function isUnusable(route: ProxyRoute | UnusableProxy): route is UnusableProxy {
  return "unusable" in route;
}
