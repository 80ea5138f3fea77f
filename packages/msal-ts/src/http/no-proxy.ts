/**
 * `NO_PROXY` lists as curl reads them (curl's CURLOPT_NOPROXY and `--noproxy` documentation, "everything curl"
 * on proxy environment variables): entries separated by commas; `*` alone bypasses every host; a name matches
 * itself and every name below it on a dot boundary (`example.com` and `.example.com` both match `example.com`
 * and `www.example.com`, never `nonexample.com`); one leading and one trailing dot are ignored; names compare
 * case-insensitively; an IP literal host matches only IP entries, optionally in CIDR notation (`10.0.0.0/8`,
 * `fd00::/8`; curl 7.86+); IPv6 entries are written without brackets.
 *
 * Read a little more widely than curl, never more narrowly (every host curl bypasses is bypassed here too):
 * spaces and tabs also separate entries (curl stops reading at a space that is not next to a comma), a `*`
 * entry inside a list also means every host, `*.example.com` means `.example.com`, an entry may end in
 * `:port` (`[::1]:8080` for IPv6) and then matches that port only (curl never matches such an entry), and a
 * `/0` prefix matches every address of its family (curl compares the address exactly).
 */
import { isIPv4, isIPv6 } from "node:net";
import { domainToASCII } from "node:url";

type NameEntry = { kind: "name"; name: string; port: number | undefined };
type IpEntry = { kind: "ip"; family: 4 | 6; bytes: Uint8Array; bits: number; port: number | undefined };
type Entry = NameEntry | IpEntry;

/** A parsed `NO_PROXY` value. */
export interface NoProxyList {
  /** `*`: no host uses a proxy. */
  readonly all: boolean;
  readonly entries: readonly Entry[];
}

/** The list that bypasses nothing. */
export const EMPTY_NO_PROXY: NoProxyList = { all: false, entries: [] };

const PORT = /^\d{1,5}$/;

function portOf(text: string): number | undefined | null {
  if (!PORT.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/** The 4 or 16 bytes of an IP literal, or undefined when `text` is not one. */
function ipBytes(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  if (isIPv4(text)) return { family: 4, bytes: Uint8Array.from(text.split("."), Number) };
  if (!isIPv6(text)) return undefined;
  let groups: string[];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  const head = tail === undefined ? text : text.slice(0, -tail.length) + "0:0";
  const [left = "", right] = head.split("::");
  const l = left === "" ? [] : left.split(":");
  const r = right === undefined || right === "" ? [] : right.split(":");
  if (right === undefined) groups = l;
  else groups = [...l, ...Array<string>(8 - l.length - r.length).fill("0"), ...r];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  });
  if (tail !== undefined) bytes.set(Uint8Array.from(tail.split("."), Number), 12);
  return { family: 6, bytes };
}

/** Splits `host[:port]` or `[v6][:port]`; an unbracketed IPv6 literal has no port. */
function splitPort(token: string): { host: string; port: number | undefined } | undefined {
  if (token.startsWith("[")) {
    const end = token.indexOf("]");
    if (end < 0) return undefined;
    const rest = token.slice(end + 1);
    const port = rest === "" ? undefined : rest.startsWith(":") ? portOf(rest.slice(1)) : null;
    return port === null ? undefined : { host: token.slice(1, end), port };
  }
  const colon = token.indexOf(":");
  if (colon < 0 || colon !== token.lastIndexOf(":")) return { host: token, port: undefined };
  const port = portOf(token.slice(colon + 1));
  return port === null ? undefined : { host: token.slice(0, colon), port };
}

function ipEntry(host: string, port: number | undefined): IpEntry | undefined {
  const slash = host.indexOf("/");
  const address = slash < 0 ? host : host.slice(0, slash);
  const ip = ipBytes(address);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const bitsText = slash < 0 ? String(max) : host.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) return undefined;
  return { kind: "ip", ...ip, bits: Number(bitsText), port };
}

function parseEntry(token: string): Entry | "all" | undefined {
  if (token === "*") return "all";
  const split = splitPort(token);
  if (!split) return undefined;
  const ip = ipEntry(split.host, split.port);
  if (ip) return ip;
  let name = split.host.toLowerCase();
  if (name.startsWith("*.")) name = name.slice(1);
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name.startsWith(".")) name = name.slice(1);
  // Non-ASCII names compare in their punycode form, as URL host names do.
  if ([...name].some((c) => c.charCodeAt(0) > 0x7f)) name = domainToASCII(name);
  if (name === "" || /[/\s]/.test(name)) return undefined;
  return { kind: "name", name, port: split.port };
}

/** Parses a `NO_PROXY` value; entries that can never match (e.g. `10.0.0.0/99`) are dropped. */
export function parseNoProxy(value: string): NoProxyList {
  const entries: Entry[] = [];
  for (const token of value.split(/[\s,]+/)) {
    if (token === "") continue;
    const entry = parseEntry(token);
    if (entry === "all") return { all: true, entries: [] };
    if (entry) entries.push(entry);
  }
  return { all: false, entries };
}

function inPrefix(address: Uint8Array, network: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== network[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[whole] ?? 0) & mask) === ((network[whole] ?? 0) & mask);
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

/** True when `url` is to be reached directly by the rules of `list`. */
export function bypassesProxy(list: NoProxyList, url: URL): boolean {
  if (list.all) return true;
  if (list.entries.length === 0) return false;
  let host = url.hostname.toLowerCase();
  if (host.startsWith("[")) host = host.slice(1, -1);
  else if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "") return false;
  const port = url.port === "" ? DEFAULT_PORTS[url.protocol] : Number(url.port);
  const ip = ipBytes(host);
  return list.entries.some((e) => {
    if (e.port !== undefined && e.port !== port) return false;
    if (e.kind === "ip") return ip !== undefined && ip.family === e.family && inPrefix(ip.bytes, e.bytes, e.bits);
    return ip === undefined && (host === e.name || host.endsWith(`.${e.name}`));
  });
}
