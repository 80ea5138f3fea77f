import { randomBytes } from "node:crypto";
import type { EmulatorClock } from "./clock.js";
import type { NormalizedApp, NormalizedConfig, NormalizedUser } from "./config.js";
import type { TokenIssuer } from "./tokens.js";
import type { TlsMaterial } from "./tls.js";

/** An authorization code waiting to be redeemed (single use). */
export interface AuthCodeRecord {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  scope: string;
  userOid: string;
  nonce?: string;
  authTime: number;
  amr: string[];
  claims?: string;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  clientId: string;
  familyId?: string;
  userOid: string;
  authTime: number;
  amr: string[];
  issuedAt: number;
  expiresAt: number;
}

export interface DeviceCodeRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  /** The tenant segment of the URL the flow was started on (`common`, a GUID, a domain). */
  tenantPath: string;
  status: "pending" | "approved" | "declined" | "redeemed";
  userOid?: string;
  authTime?: number;
  amr?: string[];
  expiresAt: number;
  interval: number;
  lastPollMs?: number;
}

/** The names and addresses an emulator serves under (start options `hostName`, `extraHostNames`, ...). */
export interface HostNames {
  /** Canonical HTTPS host name: `url`, issuers and discovery documents use it. */
  hostName: string;
  /** More DNS names this emulator answers as its own (and that its server certificate carries). */
  extraHostNames: string[];
  /** HTTPS bind address. */
  listenAddress: string;
  /** Managed-identity (plain HTTP) bind address. */
  miListenAddress: string;
}

export const DEFAULT_HOST_NAMES: HostNames = {
  hostName: "localhost",
  extraHostNames: [],
  listenAddress: "127.0.0.1",
  miListenAddress: "127.0.0.1",
};

/** A host for a URL: IPv6 literals in brackets; the unspecified addresses become loopback ones. */
function urlHost(address: string): string {
  if (address === "0.0.0.0") return "127.0.0.1";
  if (address === "::") return "[::1]";
  return address.includes(":") ? `[${address}]` : address;
}

export interface SessionRecord {
  userOid: string;
  authTime: number;
  amr: string[];
}

/** Shared state of one running emulator: configuration, clock, keys and the grants it has handed out. */
export class EmulatorContext {
  readonly codes = new Map<string, AuthCodeRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly deviceCodes = new Map<string, DeviceCodeRecord>();
  readonly userCodes = new Map<string, string>();
  readonly sessions = new Map<string, SessionRecord>();
  /** `${userOid}|${clientId}` -> consented scopes. */
  readonly consents = new Map<string, Set<string>>();
  /** Secrets the managed-identity endpoints expect in their headers. */
  readonly miSecrets = {
    appService: randomToken(24),
    machineLearning: randomToken(24),
    serviceFabric: randomToken(24),
  };
  /** Filled in once the servers listen. */
  httpsPort = 0;
  httpPort = 0;

  constructor(
    readonly config: NormalizedConfig,
    readonly clock: EmulatorClock,
    readonly issuer: TokenIssuer,
    readonly tls: TlsMaterial,
    /** Where Azure Arc challenge key files are written. */
    readonly arcKeyDir: string,
    readonly names: HostNames = DEFAULT_HOST_NAMES,
  ) {}

  /** `https://{hostName}`, with `:{port}` unless the port is 443: the base of `url`, issuers and discovery. */
  get httpsOrigin(): string {
    const host = urlHost(this.names.hostName);
    return this.httpsPort === 443 ? `https://${host}` : `https://${host}:${this.httpsPort}`;
  }

  /** `http://{miListenAddress}`, with `:{port}` unless the port is 80. */
  get httpOrigin(): string {
    const host = urlHost(this.names.miListenAddress);
    return this.httpPort === 80 ? `http://${host}` : `http://${host}:${this.httpPort}`;
  }

  /** The v2 issuer of a tenant: always `{url}/{tenantId}/v2.0`, whatever Host a request named. */
  issuerV2(tenantId: string): string {
    return `${this.httpsOrigin}/${tenantId}/v2.0`;
  }

  /** The issuer of a token version: `{url}/{tid}/v2.0`, or Entra's v1 `https://sts.windows.net/{tid}/`. */
  issuerOf(version: 1 | 2, tenantId: string): string {
    return version === 1 ? `https://sts.windows.net/${tenantId}/` : this.issuerV2(tenantId);
  }

  /** Host names (lower-case, with port, and without it on 443) under which clients reach this emulator over HTTPS. */
  get ownHosts(): string[] {
    const p = this.httpsPort;
    const names = new Set(
      [
        this.names.hostName,
        "localhost",
        "127.0.0.1",
        "[::1]",
        ...this.names.extraHostNames,
        urlHost(this.names.listenAddress),
      ].map((n) => n.toLowerCase()),
    );
    const hosts = [...names].map((n) => `${n}:${p}`);
    return p === 443 ? [...names, ...hosts] : hosts;
  }

  findApp(clientId: string): NormalizedApp | undefined {
    const id = clientId.toLowerCase();
    return this.config.apps.find((a) => a.clientId.toLowerCase() === id);
  }

  findUser(username: string): NormalizedUser | undefined {
    const name = username.toLowerCase();
    return this.config.users.find((u) => u.username.toLowerCase() === name);
  }

  userByOid(oid: string): NormalizedUser | undefined {
    return this.config.users.find((u) => u.oid === oid.toLowerCase());
  }

  /** Resolves a tenant id or domain to the tenant's GUID (lower-case). */
  tenantIdOf(name: string): string | undefined {
    const n = name.toLowerCase();
    const t = this.config.tenants.find(
      (x) => x.id.toLowerCase() === n || (x.domains ?? []).some((d) => d.toLowerCase() === n),
    );
    return t?.id.toLowerCase();
  }

  tenantNames(tenantId: string): string[] {
    const t = this.config.tenants.find((x) => x.id.toLowerCase() === tenantId);
    return t ? [t.id, ...(t.domains ?? [])] : [tenantId];
  }
}

/**
 * State that a route module keeps per running emulator, without the context knowing its type: returns the
 * module's map for a context, made on first use.
 */
export function perContext<V>(): (ctx: EmulatorContext) => Map<string, V> {
  const maps = new WeakMap<EmulatorContext, Map<string, V>>();
  return (ctx) => {
    let map = maps.get(ctx);
    if (!map) {
      map = new Map();
      maps.set(ctx, map);
    }
    return map;
  };
}

/** A URL-safe random string of `bytes` random bytes (codes, refresh tokens, session ids). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
