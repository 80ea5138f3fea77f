/**
 * The host's fully qualified name, as MSAL Python's `socket.getfqdn()` gives it for the managed-identity cache
 * environment (docs/msal-python-compatibility.md 5.6): the host name is resolved to an address, and that
 * address back to its name (the system resolver: hosts file, then DNS). A name that cannot be resolved
 * either way falls back to the host name, as `getfqdn` does. The answer is bounded in time (a slow DNS
 * server must not stall the first token request) and kept per host name for the life of the process.
 */
import { lookup, lookupService } from "node:dns/promises";
import { hostname } from "node:os";

/** Seam for tests: the two resolver calls `getfqdn` makes. */
export interface NameResolver {
  /** The host name's first address (getaddrinfo). */
  lookup(host: string): Promise<{ address: string }>;
  /** The address's name (getnameinfo). */
  lookupService(address: string, port: number): Promise<{ hostname: string }>;
}

export interface FqdnOptions {
  resolver?: NameResolver;
  /** Give up after this long and use the host name (default 2000 ms). */
  timeoutMs?: number;
  /** Where results are kept (default: one map for the process). */
  memo?: Map<string, Promise<string>>;
}

const systemResolver: NameResolver = { lookup: (host) => lookup(host), lookupService };
const processMemo = new Map<string, Promise<string>>();
const DEFAULT_TIMEOUT_MS = 2000;
/** A resolved name must look like a host name (DNS labels); anything else falls back. */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;

/**
 * The fully qualified name of `host` (default: this machine's host name); never rejects.
 *
 * @example
 * ```ts
 * await fullyQualifiedName(); // e.g. "myvm.internal.cloudapp.net", or "localhost" where the hosts file says so
 * ```
 */
export function fullyQualifiedName(host: string = hostname(), o: FqdnOptions = {}): Promise<string> {
  const memo = o.memo ?? processMemo;
  let answer = memo.get(host);
  if (!answer) {
    answer = resolve(host, o.resolver ?? systemResolver, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    memo.set(host, answer);
  }
  return answer;
}

async function resolve(host: string, resolver: NameResolver, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((done) => {
    // Not unref'd: the caller is waiting for this answer (and the timer is cleared once it comes).
    timer = setTimeout(() => done(undefined), timeoutMs);
  });
  const reverse = (async () => {
    const { address } = await resolver.lookup(host);
    return (await resolver.lookupService(address, 0)).hostname;
  })().catch(() => undefined);
  try {
    const name = await Promise.race([reverse, timeout]);
    return typeof name === "string" && HOST_NAME.test(name) ? name : host;
  } finally {
    clearTimeout(timer);
  }
}
